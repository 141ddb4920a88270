/**
 * Licence classification shared by the CycloneDX and SPDX renderers.
 */
import fc from 'fast-check';
import parseSpdx from 'spdx-expression-parse';
import { describe, expect, it } from 'vitest';
import { asOperand, classifyLicense, LicenseRefAllocator } from './license.js';

describe('classifyLicense', () => {
  it.each([
    ['MIT', 'MIT', 'MIT'],
    ['  Apache-2.0 ', 'Apache-2.0', 'Apache-2.0'],
    ['mit', 'MIT', 'MIT'],
    ['gpl-2.0', 'GPL-2.0', 'GPL-2.0'],
    ['GPL-2.0-or-later', 'GPL-2.0-or-later', 'GPL-2.0-or-later'],
  ])('%j is the list id %s', (raw, expression, id) => {
    expect(classifyLicense(raw)).toEqual({ kind: 'spdx', expression, id, licenseRefs: [] });
  });

  it.each([
    ['MIT OR Apache-2.0', 'MIT OR Apache-2.0'],
    ['(MIT OR Apache-2.0)', 'MIT OR Apache-2.0'],
    ['mit or (apache-2.0 and bsd-2-clause)', 'MIT OR (Apache-2.0 AND BSD-2-Clause)'],
    ['GPL-2.0-only WITH Classpath-exception-2.0', 'GPL-2.0-only WITH Classpath-exception-2.0'],
    ['GPL-2.0+', 'GPL-2.0+'],
  ])('%j is the expression %j (no single id)', (raw, expression) => {
    expect(classifyLicense(raw)).toEqual({ kind: 'spdx', expression, licenseRefs: [] });
  });

  it('keeps LicenseRef-… as a valid expression and reports the ref', () => {
    expect(classifyLicense('MIT AND LicenseRef-acme')).toEqual({ kind: 'spdx', expression: 'MIT AND LicenseRef-acme', licenseRefs: ['LicenseRef-acme'] });
  });

  it.each(['GPLv3+', 'BSD', 'BSD License', 'public-domain', 'Artistic or GPL-1+', 'MIT OR', 'DocumentRef-x:LicenseRef-y', 'https://opensource.org/licenses/MIT', ''])(
    '%j is free text',
    (raw) => {
      expect(classifyLicense(raw)).toEqual({ kind: 'text', text: raw.trim() });
    },
  );

  it('treats overlong input as text without parsing it', () => {
    const long = Array.from({ length: 600 }, () => 'MIT').join(' AND ');
    expect(classifyLicense(long).kind).toBe('text');
  });

  it('only ever returns expressions the SPDX parser accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (raw) => {
        const c = classifyLicense(raw);
        if (c.kind === 'spdx') expect(() => parseSpdx(c.expression)).not.toThrow();
      }),
    );
  });
});

describe('asOperand', () => {
  it('parenthesises compound expressions only', () => {
    expect(asOperand('MIT')).toBe('MIT');
    expect(asOperand('GPL-2.0-only WITH Classpath-exception-2.0')).toBe('GPL-2.0-only WITH Classpath-exception-2.0');
    expect(asOperand('MIT OR Apache-2.0')).toBe('(MIT OR Apache-2.0)');
  });
});

describe('LicenseRefAllocator', () => {
  it('gives stable, valid, distinct ids per text', () => {
    const a = new LicenseRefAllocator();
    a.reserve('LicenseRef-Custom');
    const custom = a.refFor('Custom');
    expect(custom).toMatch(/^LicenseRef-Custom-[0-9a-f]{8}$/);
    expect(a.refFor('Custom')).toBe(custom);
    const spaced = a.refFor('GPL v2 / später');
    expect(spaced).toBe('LicenseRef-GPL-v2-sp-ter');
    expect(a.refFor('GPL v2 / spät€r')).not.toBe(spaced);
    expect(a.refFor('✓✓')).toMatch(/^LicenseRef-unnamed-[0-9a-f]{8}$/);
    for (const [, ref] of a.entries()) expect(ref).toMatch(/^LicenseRef-[A-Za-z0-9.-]+$/);
    expect(a.entries().map(([t]) => t)).toEqual(['Custom', 'GPL v2 / später', 'GPL v2 / spät€r', '✓✓']);
  });
});
