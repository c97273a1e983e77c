import { describe, expect, it } from 'vitest';
import { DASHBOARD_HTML } from '../../../src/dashboard/page.ts';

const script = /<script type="module">([\s\S]*)<\/script>/.exec(DASHBOARD_HTML)?.[1] ?? '';

describe('dashboard page', () => {
  it('ships a script that parses', () => {
    expect(script.length).toBeGreaterThan(1000);
    expect(() => new Function(script)).not.toThrow();
  });

  it('never hands data to the HTML parser: no innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('reads the API with relative paths, so it works behind any base URL', () => {
    const paths = [...script.matchAll(/api\('([^']*)/g)].map((m) => m[1] ?? '');
    expect(paths.length).toBeGreaterThan(3);
    expect(paths.filter((p) => p.startsWith('/') || p.includes('//'))).toEqual([]);
  });
});
