// The pev2 viewer page for the benchmark: Vue mounts pev2's <Plan> with the plan text on demand, so the
// timing covers pev2's parse and render, not the page load. Bundled by run.ts with esbuild. Plain JS so
// that type-checking does not need pev2 and vue installed (they are benchmark-only packages).
import { createApp, h } from 'vue';
import { Plan } from 'pev2';
import 'bootstrap/dist/css/bootstrap.css';
import 'pev2/dist/pev2.css';

window.__mountPlan = (source) => {
  createApp({ render: () => h(Plan, { planSource: source, planQuery: '' }) }).mount('#app');
};
