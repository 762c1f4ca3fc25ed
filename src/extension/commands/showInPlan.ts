import { PlanPanel } from '../panel/planPanel';
import type { CommandFactory } from './command';

/** From a hover link: select a node in the open plan view. */
export const showInPlan: CommandFactory = () => (nodeId: unknown) => {
  if (typeof nodeId === 'number' && PlanPanel.current) PlanPanel.current.selectNode(nodeId);
};
