/**
 * The operator's files in ops/: the alert rules and the example Prometheus configuration pass `promtool
 * check`, every PromQL expression of the Grafana dashboard parses (promtool checks it as a recording
 * rule), and every dumas_* metric they name is one this code exports. promtool comes from Debian's
 * prometheus package, which .ci/run installs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registry } from '../../services/shared/metrics';

const ROOT = path.resolve(__dirname, '..', '..');
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const ALERTS = path.join(ROOT, 'ops', 'prometheus', 'alerts.yml');
const DASHBOARD = path.join(ROOT, 'ops', 'grafana', 'dumas-dashboard.json');

function promtool(...args: string[]): string {
  if (!PROMTOOL) throw new Error("promtool is missing: install Debian's prometheus package (.ci/run does)");
  return execFileSync(PROMTOOL, args, { encoding: 'utf8', stdio: 'pipe' });
}

interface Panel {
  readonly title: string;
  readonly targets: readonly { readonly expr: string }[];
}

const dashboardExpressions = (): { title: string; expr: string }[] =>
  (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels.flatMap((p) =>
    p.targets.map((t) => ({ title: p.title, expr: t.expr })),
  );

/** Names of metric families (histograms' _bucket/_sum/_count folded) in a text. */
const metricNames = (text: string): Set<string> =>
  new Set([...text.matchAll(/\bdumas_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));

describe('the operations files', () => {
  it('alert rules pass promtool check rules', () => {
    expect(promtool('check', 'rules', ALERTS)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('the example Prometheus configuration passes promtool check config', () => {
    expect(promtool('check', 'config', path.join(ROOT, 'ops', 'prometheus', 'prometheus.yml'))).toMatch(
      /SUCCESS/,
    );
  });

  it("every dashboard query parses as PromQL (Grafana's variables filled in)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-dashboard-'));
    try {
      const rules = dashboardExpressions().map(({ expr }, i) => ({
        record: `dashboard:panel_${i}`,
        expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*'),
      }));
      expect(rules.length).toBeGreaterThan(10);
      const file = path.join(dir, 'dashboard.rules.json');
      // JSON is YAML: one group of recording rules.
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      expect(promtool('check', 'rules', file)).toMatch(/SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names only metrics this code exports', async () => {
    const exported = new Set(registry.getMetricsAsArray().map((m) => m.name));
    const named = new Set([
      ...metricNames(readFileSync(ALERTS, 'utf8')),
      ...dashboardExpressions().flatMap(({ expr }) => [...metricNames(expr)]),
    ]);
    const unknown = [...named].filter((name) => !exported.has(name));
    expect(unknown).toEqual([]);
  });
});
