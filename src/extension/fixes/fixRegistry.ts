/**
 * The fixes the extension ships with. An advisor adds its `CodeFixProvider` to this list (or registers one at
 * run time with `CodeFixRegistry.register`); the code-action provider itself never changes.
 */
import { CodeFixRegistry, type CodeFixProvider } from './codeFix';
import { indexDdlToDocumentFix } from './indexDdlToDocument';
import { leftJoinToInnerFix } from './leftJoinToInner';

export const builtInFixProviders: readonly CodeFixProvider[] = [leftJoinToInnerFix, indexDdlToDocumentFix];

export function createFixRegistry(): CodeFixRegistry {
  const registry = new CodeFixRegistry();
  for (const provider of builtInFixProviders) registry.register(provider);
  return registry;
}
