import { describe, expect, it } from 'vitest';
import { exampleSpec, EXAMPLE_HEIGHT } from './examples';
import { verifyAppSpec, VerifyAppSpecOptions } from './validate';
import * as H from './heights';

type Json = Record<string, unknown>;
const comp = (s: Json, i = 0): Json => (s.compose as Json[])[i]!;

interface Case {
  title: string;
  version: number;
  height?: number;
  mutate?: (s: Json) => void;
  /** Expected rule id, or undefined for acceptance. */
  rule?: string;
  opts?: Partial<VerifyAppSpecOptions>;
  components?: number;
}

function run(c: Case) {
  const spec = exampleSpec(c.version, c.components ?? 1);
  c.mutate?.(spec);
  return verifyAppSpec(spec, { height: c.height ?? EXAMPLE_HEIGHT, ...c.opts });
}

// Each rule: one accepted case and one rejected case; height rules on both sides.
const cases: Case[] = [
  // names
  { title: 'name 32 chars v7', version: 7, mutate: (s) => { s.name = 'a'.repeat(32); } },
  { title: 'name 33 chars v7', version: 7, mutate: (s) => { s.name = 'a'.repeat(33); }, rule: 'name.tooLong' },
  { title: 'name 63 chars v8', version: 8, mutate: (s) => { s.name = 'a'.repeat(63); } },
  { title: 'name 64 chars v8', version: 8, mutate: (s) => { s.name = 'a'.repeat(64); }, rule: 'name.tooLong' },
  { title: 'hyphen in v8 name', version: 8, mutate: (s) => { s.name = 'my-app'; } },
  { title: 'hyphen in v7 name', version: 7, mutate: (s) => { s.name = 'my-app'; }, rule: 'name.invalidChars' },
  { title: 'leading hyphen v8', version: 8, mutate: (s) => { s.name = '-app'; }, rule: 'name.invalidChars' },
  { title: 'zel prefix', version: 6, mutate: (s) => { s.name = 'zelapp'; }, rule: 'name.reservedPrefix' },
  { title: 'flux prefix', version: 6, mutate: (s) => { s.name = 'fluxapp'; }, rule: 'name.reservedPrefix' },
  { title: 'Flux prefix is case-sensitive', version: 6, mutate: (s) => { s.name = 'Fluxapp'; } },
  { title: 'watchtower reserved', version: 6, mutate: (s) => { s.name = 'WatchTower'; }, rule: 'name.reserved' },
  { title: 'share clashes on register', version: 6, mutate: (s) => { s.name = 'Share'; }, rule: 'name.conflict' },
  { title: 'taken name', version: 6, opts: { nameTaken: (k) => k === 'example6' }, rule: 'name.conflict' },
  { title: 'component name with hyphen v8', version: 8, mutate: (s) => { comp(s).name = 'we-b'; }, rule: 'name.invalidChars' },
  { title: 'duplicate component names', version: 6, components: 2, mutate: (s) => { comp(s, 1).name = 'web0'; }, rule: 'name.duplicate' },
  { title: 'component name flux prefix', version: 6, mutate: (s) => { comp(s).name = 'fluxweb'; }, rule: 'name.reservedPrefix' },
  { title: 'missing description', version: 6, mutate: (s) => { s.description = ''; }, rule: 'description.missing' },
  { title: 'description 256', version: 6, mutate: (s) => { s.description = 'd'.repeat(256); } },
  { title: 'description 257', version: 6, mutate: (s) => { s.description = 'd'.repeat(257); }, rule: 'description.tooLong' },
  { title: 'component description 257', version: 6, mutate: (s) => { comp(s).description = 'd'.repeat(257); }, rule: 'description.tooLong' },
  // ports
  { title: 'port 80 after widening', version: 7, height: H.PORT_RANGE_WIDENED, mutate: (s) => { comp(s).ports = [80]; } },
  { title: 'port 30500 before widening', version: 6, height: H.PORT_RANGE_WIDENED - 1, mutate: (s) => { comp(s).ports = [30500]; }, rule: 'ports.outOfRange' },
  { title: 'port 31500 before widening', version: 6, height: H.PORT_RANGE_WIDENED - 1, mutate: (s) => { comp(s).ports = [31500]; } },
  { title: 'port 65536', version: 8, mutate: (s) => { comp(s).ports = [65536]; }, rule: 'ports.outOfRange' },
  { title: 'banned 22', version: 8, mutate: (s) => { comp(s).ports = [22]; }, rule: 'ports.banned' },
  { title: 'banned range 16150', version: 8, mutate: (s) => { comp(s).ports = [16150]; }, rule: 'ports.banned' },
  { title: 'banned v2 string port', version: 2, mutate: (s) => { s.ports = ['30050']; }, rule: 'ports.banned' },
  { title: 'v1 port banned', version: 1, mutate: (s) => { s.port = 8384; }, rule: 'ports.banned' },
  { title: 'v1 container port 70000', version: 1, mutate: (s) => { s.containerPort = 70000; }, rule: 'containerPorts.outOfRange' },
  { title: 'container port 0 ok', version: 8, mutate: (s) => { comp(s).containerPorts = [0]; } },
  { title: 'container port 65536', version: 8, mutate: (s) => { comp(s).containerPorts = [65536]; }, rule: 'containerPorts.outOfRange' },
  { title: '5 ports ok', version: 8, mutate: (s) => { Object.assign(comp(s), { ports: [1001, 1002, 1003, 1004, 1005], containerPorts: [1, 2, 3, 4, 5], domains: ['', '', '', '', ''] }); } },
  { title: '6 ports', version: 8, mutate: (s) => { Object.assign(comp(s), { ports: [1001, 1002, 1003, 1004, 1005, 1006], containerPorts: [1, 2, 3, 4, 5, 6], domains: ['', '', '', '', '', ''] }); }, rule: 'ports.tooMany' },
  { title: 'ports/containerPorts mismatch', version: 8, mutate: (s) => { comp(s).containerPorts = [80, 81]; }, rule: 'containerPorts.lengthMismatch' },
  { title: 'ports/domains mismatch', version: 8, mutate: (s) => { comp(s).domains = []; }, rule: 'domains.lengthMismatch' },
  { title: 'v2 ports/domains mismatch', version: 2, mutate: (s) => { s.domains = ['', '']; }, rule: 'domains.lengthMismatch' },
  { title: 'duplicate port across components', version: 8, components: 2, mutate: (s) => { comp(s, 1).ports = comp(s, 0).ports; }, rule: 'ports.duplicate' },
  { title: 'non-integer port', version: 8, mutate: (s) => { comp(s).ports = [31000.5]; }, rule: 'ports.invalid' },
  { title: 'v4+ string container port is refused (formatter quirk)', version: 8, mutate: (s) => { comp(s).containerPorts = ['80']; }, rule: 'containerPorts.invalid' },
  { title: 'v4+ string host port is coerced', version: 8, mutate: (s) => { comp(s).ports = ['31080']; } },
  { title: 'domain 254 chars', version: 8, mutate: (s) => { comp(s).domains = ['d'.repeat(254)]; }, rule: 'domains.tooLong' },
  // strings
  { title: 'repotag 201', version: 8, mutate: (s) => { comp(s).repotag = 'r'.repeat(201); }, rule: 'repotag.tooLong' },
  { title: 'missing component repotag', version: 8, mutate: (s) => { delete comp(s).repotag; }, rule: 'repotag.invalid' },
  { title: 'containerData 1 char', version: 8, mutate: (s) => { comp(s).containerData = '/'; }, rule: 'containerData.tooShort' },
  { title: 'containerData 201', version: 8, mutate: (s) => { comp(s).containerData = `/${'x'.repeat(200)}`; }, rule: 'containerData.tooLong' },
  { title: 'v2 containerData 201', version: 2, mutate: (s) => { s.containerData = `/${'x'.repeat(200)}`; }, rule: 'containerData.tooLong' },
  { title: '20 env ok', version: 8, mutate: (s) => { comp(s).environmentParameters = Array(20).fill('A=1'); } },
  { title: '21 env', version: 8, mutate: (s) => { comp(s).environmentParameters = Array(21).fill('A=1'); }, rule: 'environmentParameters.tooMany' },
  { title: 'v1 env 401 chars', version: 1, mutate: (s) => { s.enviromentParameters = ['e'.repeat(401)]; }, rule: 'enviromentParameters.tooLong' },
  { title: '21 commands', version: 3, mutate: (s) => { s.commands = Array(21).fill('x'); }, rule: 'commands.tooMany' },
  { title: 'command 401', version: 8, mutate: (s) => { comp(s).commands = ['c'.repeat(401)]; }, rule: 'commands.tooLong' },
  // compose
  { title: '10 components at v6 height', version: 6, components: 10, height: H.COMPOSE_TEN_COMPONENTS },
  { title: '6 components before v6 height', version: 5, components: 6, height: H.COMPOSE_TEN_COMPONENTS - 1, rule: 'compose.tooMany' },
  { title: '5 components before v6 height', version: 5, components: 5, height: H.COMPOSE_TEN_COMPONENTS - 1 },
  { title: '11 components', version: 8, components: 11, rule: 'compose.tooMany' },
  { title: 'empty compose', version: 8, mutate: (s) => { s.compose = []; }, rule: 'compose.empty' },
  { title: 'missing compose', version: 8, mutate: (s) => { delete s.compose; }, rule: 'compose.missing' },
  // instances
  { title: 'v8 one instance at fork', version: 8, height: H.V8_SINGLE_INSTANCE, mutate: (s) => { s.instances = 1; } },
  { title: 'v8 one instance before fork', version: 8, height: H.V8_SINGLE_INSTANCE - 1, mutate: (s) => { s.instances = 1; }, rule: 'instances.tooFew' },
  { title: 'v7 one instance', version: 7, mutate: (s) => { s.instances = 2; }, rule: 'instances.tooFew' },
  { title: '100 instances', version: 7, mutate: (s) => { s.instances = 100; } },
  { title: '101 instances', version: 7, mutate: (s) => { s.instances = 101; }, rule: 'instances.tooMany' },
  { title: 'fractional instances', version: 7, mutate: (s) => { s.instances = 3.5; }, rule: 'instances.invalid' },
  { title: 'instances "5" coerced', version: 7, mutate: (s) => { s.instances = '5'; } },
  { title: 'instances "three"', version: 7, mutate: (s) => { s.instances = 'three'; }, rule: 'instances.invalid' },
  { title: 'v3 missing instances', version: 3, mutate: (s) => { delete s.instances; }, rule: 'instances.missing' },
  // contacts / geolocation
  { title: '5 contacts', version: 5, mutate: (s) => { s.contacts = Array(5).fill('a@b.c'); } },
  { title: '6 contacts', version: 5, mutate: (s) => { s.contacts = Array(6).fill('a@b.c'); }, rule: 'contacts.tooMany' },
  { title: 'contact 76 chars', version: 5, mutate: (s) => { s.contacts = ['c'.repeat(76)]; }, rule: 'contacts.tooLong' },
  { title: 'missing contacts', version: 5, mutate: (s) => { delete s.contacts; }, rule: 'contacts.missing' },
  { title: '10 geolocations', version: 5, mutate: (s) => { s.geolocation = Array(10).fill('acEU'); } },
  { title: '11 geolocations', version: 5, mutate: (s) => { s.geolocation = Array(11).fill('acEU'); }, rule: 'geolocation.tooMany' },
  { title: 'geolocation 51 chars', version: 5, mutate: (s) => { s.geolocation = [`acEU_CZ_${'r'.repeat(43)}`]; }, rule: 'geolocation.tooLong' },
  // expire
  { title: 'expire 5000 before 1630040', version: 6, height: H.EXPIRE_MIN_100 - 1, mutate: (s) => { s.expire = 5000; } },
  { title: 'expire 4000 before 1630040', version: 6, height: H.EXPIRE_MIN_100 - 1, mutate: (s) => { s.expire = 4000; }, rule: 'expire.tooShort' },
  { title: 'expire 100 at 1630040', version: 6, height: H.EXPIRE_MIN_100, mutate: (s) => { s.expire = 100; } },
  { title: 'expire 99 below 1964447', version: 6, height: H.EXPIRE_MIN_1 - 1, mutate: (s) => { s.expire = 99; }, rule: 'expire.tooShort' },
  { title: 'expire 1 at 1964447', version: 6, height: H.EXPIRE_MIN_1, mutate: (s) => { s.expire = 1; } },
  { title: 'expire 264000 pre-PON', version: 6, height: H.PON_FORK - 1, mutate: (s) => { s.expire = 264000; } },
  { title: 'expire 265000 pre-PON', version: 6, height: H.PON_FORK - 1, mutate: (s) => { s.expire = 265000; }, rule: 'expire.tooLong' },
  { title: 'expire 1056000 post-PON', version: 6, height: H.PON_FORK, mutate: (s) => { s.expire = 1056000; } },
  { title: 'expire 1056001 post-PON', version: 6, height: H.PON_FORK, mutate: (s) => { s.expire = 1056001; }, rule: 'expire.tooLong' },
  { title: 'expire 22500 before multiple drop', version: 6, height: H.EXPIRE_MULTIPLE_DROPPED - 1, mutate: (s) => { s.expire = 22500; }, rule: 'expire.notMultiple' },
  { title: 'expire 22500 after multiple drop', version: 6, height: H.EXPIRE_MULTIPLE_DROPPED, mutate: (s) => { s.expire = 22500; } },
  { title: 'expire fractional', version: 6, mutate: (s) => { s.expire = 22000.5; }, rule: 'expire.invalid' },
  // nodes / staticip / v7 secrets
  { title: 'v7 120 nodes', version: 7, mutate: (s) => { s.nodes = Array(120).fill('1.2.3.4'); } },
  { title: 'v7 121 nodes', version: 7, mutate: (s) => { s.nodes = Array(121).fill('1.2.3.4'); }, rule: 'nodes.tooMany' },
  { title: 'v7 node 71 chars', version: 7, mutate: (s) => { s.nodes = ['n'.repeat(71)]; }, rule: 'nodes.tooLong' },
  { title: 'staticip "true" coerced', version: 7, mutate: (s) => { s.staticip = 'true'; } },
  { title: 'staticip "yes"', version: 7, mutate: (s) => { s.staticip = 'yes'; }, rule: 'staticip.invalid' },
  { title: 'v7 secrets without nodes', version: 7, mutate: (s) => { comp(s).secrets = 'pgp'; }, rule: 'secrets.notAllowed' },
  { title: 'v7 secrets with nodes', version: 7, mutate: (s) => { s.nodes = ['1.2.3.4']; comp(s).secrets = 'pgp'; } },
  { title: 'v7 secrets 15001 with nodes', version: 7, mutate: (s) => { s.nodes = ['1.2.3.4']; comp(s).secrets = 's'.repeat(15001); }, rule: 'secrets.tooLong' },
  { title: 'v7 missing repoauth', version: 7, mutate: (s) => { delete comp(s).repoauth; }, rule: 'repoauth.invalid' },
  // v8 enterprise / datacenter
  { title: 'v8 enterprise false', version: 8, mutate: (s) => { s.enterprise = false; } },
  { title: 'v8 enterprise missing', version: 8, mutate: (s) => { delete s.enterprise; }, rule: 'enterprise.missing' },
  { title: 'v8 nodes without enterprise', version: 8, mutate: (s) => { s.nodes = ['1.2.3.4']; }, rule: 'nodes.notEnterprise' },
  { title: 'v8 repoauth without enterprise', version: 8, mutate: (s) => { comp(s).repoauth = 'user:pass'; }, rule: 'repoauth.notAllowed' },
  { title: 'v8 datacenter for listed owner', version: 8, mutate: (s) => { s.datacenter = true; }, opts: { enterpriseOwners: ['1CbErtneaX2QVyUfwU7JGB7VzvPgrgc3uC'] } },
  { title: 'v8 datacenter for other owner', version: 8, mutate: (s) => { s.datacenter = true; }, opts: { enterpriseOwners: ['1Other'] }, rule: 'datacenter.notEnterpriseOwner' },
  // Without an explicit list, FluxOS's own enterprise owners decide (data/enterprise-nodes.ts).
  { title: 'v8 datacenter for a FluxOS enterprise owner', version: 8, mutate: (s) => { s.datacenter = true; s.owner = '15ULw4JU6wqGESRYU3z3MjFETqLN3sA9Gn'; } },
  { title: 'v8 datacenter for an owner outside FluxOS\'s list', version: 8, mutate: (s) => { s.datacenter = true; }, rule: 'datacenter.notEnterpriseOwner' },
  { title: 'v8 datacenter false for any owner', version: 8, mutate: (s) => { s.datacenter = false; } },
  { title: 'v8 non-boolean datacenter is ignored', version: 8, mutate: (s) => { s.datacenter = 'maybe'; } },
  { title: 'v8 enterprise app without decryptor', version: 8, mutate: (s) => { s.enterprise = 'ZW5jcnlwdGVk'; s.compose = []; s.nodes = ['1.2.3.4']; } },
  // activation heights
  { title: 'v8 at activation', version: 8, height: 1_932_380, mutate: (s) => { s.expire = 22000; } },
  { title: 'v8 before activation', version: 8, height: 1_932_379, rule: 'version.notActive' },
  { title: 'v3 before activation', version: 3, height: 982_999, mutate: (s) => { s.ports = ['31003']; }, rule: 'version.notActive' },
  { title: 'version 9', version: 8, mutate: (s) => { s.version = 9; }, rule: 'version.unsupported' },
  { title: 'version "8" coerced', version: 8, mutate: (s) => { s.version = '8'; } },
  // hardware
  { title: 'v2 cpu 0.1 ram 100 hdd 1', version: 2, mutate: (s) => { Object.assign(s, { cpu: 0.1, ram: 100, hdd: 1 }); } },
  { title: 'v2 cpu 0.05', version: 2, mutate: (s) => { s.cpu = 0.05; }, rule: 'cpu.invalid' },
  { title: 'v2 ram 150', version: 2, mutate: (s) => { s.ram = 150; }, rule: 'ram.invalid' },
  { title: 'v2 hdd 1.5', version: 2, mutate: (s) => { s.hdd = 1.5; }, rule: 'hdd.invalid' },
  { title: 'v2 cpu 15', version: 2, mutate: (s) => { s.cpu = 15; } },
  { title: 'v2 cpu 15.1', version: 2, mutate: (s) => { s.cpu = 15.1; }, rule: 'cpu.invalid' },
  { title: 'v2 ram 59000', version: 2, mutate: (s) => { s.ram = 59000; } },
  { title: 'v2 ram 59100', version: 2, mutate: (s) => { s.ram = 59100; }, rule: 'ram.invalid' },
  { title: 'v2 hdd 821', version: 2, mutate: (s) => { s.hdd = 821; }, rule: 'hdd.invalid' },
  { title: 'v2 cpu 9 decimals', version: 2, mutate: (s) => { s.cpu = 0.123456789; }, rule: 'cpu.decimals' },
  { title: 'v2 tiered within caps', version: 2, mutate: (s) => { Object.assign(s, { tiered: true, cpubasic: 3, cpusuper: 7, cpubamf: 15, rambasic: 5000, ramsuper: 28000, rambamf: 59000, hddbasic: 160, hddsuper: 380, hddbamf: 820 }); } },
  { title: 'v2 tiered basic cpu over cap', version: 2, mutate: (s) => { Object.assign(s, { tiered: true, cpubasic: 3.1, cpusuper: 7, cpubamf: 15, rambasic: 5000, ramsuper: 28000, rambamf: 59000, hddbasic: 160, hddsuper: 380, hddbamf: 820 }); }, rule: 'cpu.invalid' },
  { title: 'v2 tiered missing tier key', version: 2, mutate: (s) => { Object.assign(s, { tiered: true, cpubasic: 1 }); }, rule: 'tiered.missing' },
  { title: 'v4+ per-component cpu 0.05 passes (totals only)', version: 8, mutate: (s) => { comp(s).cpu = 0.05; } },
  { title: 'v8 compose total cpu 15', version: 8, components: 3, mutate: (s) => { (s.compose as Json[]).forEach((c) => { c.cpu = 5; }); } },
  { title: 'v8 compose total cpu 15.3', version: 8, components: 3, mutate: (s) => { (s.compose as Json[]).forEach((c) => { c.cpu = 5.1; }); }, rule: 'hardware.cpuTotal' },
  { title: 'v8 compose total ram 59100', version: 8, components: 3, mutate: (s) => { (s.compose as Json[]).forEach((c) => { c.ram = 19700; }); }, rule: 'hardware.ramTotal' },
  { title: 'v8 compose total hdd 821', version: 8, components: 1, mutate: (s) => { comp(s).hdd = 821; }, rule: 'hardware.hddTotal' },
  { title: 'v6 tiered component over Cumulus cap', version: 6, mutate: (s) => { Object.assign(comp(s), { tiered: true, cpubasic: 3.5, cpusuper: 1, cpubamf: 1, rambasic: 100, ramsuper: 100, rambamf: 100, hddbasic: 1, hddsuper: 1, hddbamf: 1 }); }, rule: 'hardware.cpuTotal' },
  { title: 'v6 component tiered "true" is not coerced', version: 6, mutate: (s) => { comp(s).tiered = 'true'; }, rule: 'tiered.invalid' },
  { title: 'v2 top-level tiered "false" is coerced', version: 2, mutate: (s) => { s.tiered = 'false'; } },
  // formatting looseness
  { title: 'unknown top-level key dropped', version: 8, mutate: (s) => { s.foo = 1; } },
  { title: 'unknown component key dropped', version: 8, mutate: (s) => { comp(s).bar = 'x'; } },
  { title: 'v8 tiered keys dropped', version: 8, mutate: (s) => { comp(s).tiered = true; comp(s).cpubasic = 99; } },
];

describe('spec rules (each passes and fails)', () => {
  for (const c of cases) {
    it(`${c.title} → ${c.rule ?? 'accepted'}`, () => {
      const r = run(c);
      if (c.rule) {
        expect(r.ok, JSON.stringify(r)).toBe(false);
        if (!r.ok) expect(r.error.rule).toBe(c.rule);
      } else {
        expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true);
      }
    });
  }

  it('rejects a non-object', () => {
    for (const raw of [null, 1, 'x', [], undefined]) {
      const r = verifyAppSpec(raw, { height: EXAMPLE_HEIGHT });
      expect(r.ok).toBe(false);
    }
  });
});

describe('warnings', () => {
  const rules = (spec: Json, opts: Partial<VerifyAppSpecOptions> = {}) => {
    const r = verifyAppSpec(spec, { height: EXAMPLE_HEIGHT, ...opts });
    expect(r.ok).toBe(true);
    return r.warnings.map((w) => w.rule);
  };

  it('reports dropped keys and coerced values', () => {
    const s = exampleSpec(8);
    s.foo = 1;
    s.instances = '4';
    comp(s).bar = 2;
    const w = rules(s);
    expect(w).toContain('format.droppedKey');
    expect(w).toContain('format.coerced');
  });

  it('warns about install-time containerData problems', () => {
    const s = exampleSpec(8);
    comp(s).containerData = 'x:/data';
    expect(rules(s)).toContain('containerData.syntax');
    const ok = exampleSpec(8);
    comp(ok).containerData = 'g:/data|m:logs:/var/log';
    expect(rules(ok)).not.toContain('containerData.syntax');
  });

  it('warns about bad geolocation syntax', () => {
    const s = exampleSpec(8);
    s.geolocation = ['acEU', 'europe'];
    expect(rules(s)).toContain('geolocation.syntax');
  });

  it('warns about v4+ per-component hardware below the minimum', () => {
    const s = exampleSpec(8);
    comp(s).ram = 50;
    expect(rules(s)).toContain('hardware.componentRam');
  });


  it('warns that an enterprise payload was not decrypted, and validates it when a decryptor is given', () => {
    const s = { ...exampleSpec(8), enterprise: 'Y2lwaGVy', compose: [], contacts: [] };
    expect(rules(s)).toContain('enterprise.notDecrypted');
    const real = exampleSpec(8);
    const ok = verifyAppSpec(s, { height: EXAMPLE_HEIGHT, decryptEnterprise: () => ({ compose: real.compose, contacts: [] }) });
    expect(ok.ok).toBe(true);
    const bad = verifyAppSpec(s, { height: EXAMPLE_HEIGHT, decryptEnterprise: () => ({ compose: [{ ...comp(real), ports: [22] }], contacts: [] }) });
    expect(!bad.ok && bad.error.rule).toBe('ports.banned');
  });
});

describe('update compatibility', () => {
  const update = (prev: Json, next: Json) => verifyAppSpec(next, { height: EXAMPLE_HEIGHT, mode: 'update', previous: prev });

  it('v4-v7 keeps component count and names but may change images', () => {
    const prev = exampleSpec(7, 2);
    const next = exampleSpec(7, 2);
    comp(next).repotag = 'nginx:1.27';
    expect(update(prev, next).ok).toBe(true);
    const renamed = exampleSpec(7, 2);
    comp(renamed, 1).name = 'other';
    expect(update(prev, renamed)).toMatchObject({ ok: false, error: { rule: 'update.componentNames' } });
    expect(update(prev, exampleSpec(7, 1))).toMatchObject({ ok: false, error: { rule: 'update.componentCount' } });
  });

  it('v8 to v8 may change anything: component count and names', () => {
    const prev = { ...exampleSpec(8, 1), name: 'Example8' };
    expect(update(prev, exampleSpec(8, 3)).ok).toBe(true);
    const renamed = exampleSpec(8, 1);
    comp(renamed).name = 'other';
    expect(update(prev, renamed).ok).toBe(true);
  });

  // FluxOS lifts the v4-v7 rules only when BOTH the stored spec and the update are v8.
  it('v4-v7 to v8 still keeps component count and names', () => {
    const prev = exampleSpec(7, 1);
    expect(update(prev, { ...exampleSpec(8, 3), name: 'Example7' })).toMatchObject({ ok: false, error: { rule: 'update.componentCount' } });
    const renamed = { ...exampleSpec(8, 1), name: 'Example7' };
    comp(renamed).name = 'other';
    expect(update(prev, renamed)).toMatchObject({ ok: false, error: { rule: 'update.componentNames' } });
    const sameComponents = { ...exampleSpec(8, 1), name: 'Example7' };
    comp(sameComponents).repotag = 'nginx:1.27';
    expect(update(prev, sameComponents).ok).toBe(true);
    expect(update(exampleSpec(4, 2), { ...exampleSpec(8, 2), name: 'Example4' }).ok).toBe(true);
  });

  it('v1-3 to v8 may choose any components (hard redeploy)', () => {
    expect(update(exampleSpec(3), { ...exampleSpec(8, 3), name: 'Example3' }).ok).toBe(true);
  });

  it('a version change must target v8', () => {
    const next = { ...exampleSpec(6), name: 'Example5' };
    expect(update(exampleSpec(5), next)).toMatchObject({ ok: false, error: { rule: 'update.versionChange' } });
  });

  it('v1-3 may move to v8, but v4+ cannot go back to v1-3', () => {
    expect(update(exampleSpec(3), { ...exampleSpec(8), name: 'Example3' }).ok).toBe(true);
    // FluxOS checks the version-change rule first, so a downgrade is reported as such.
    expect(update({ ...exampleSpec(8), name: 'Example3' }, exampleSpec(3))).toMatchObject({ ok: false, error: { rule: 'update.versionChange' } });
  });

  it('v1-3 may not change repotag', () => {
    const next = exampleSpec(3);
    next.repotag = 'nginx:1.27';
    expect(update(exampleSpec(3), next)).toMatchObject({ ok: false, error: { rule: 'update.repotag' } });
    expect(update(exampleSpec(3), exampleSpec(3)).ok).toBe(true);
  });

  it('name must be the app being updated', () => {
    expect(update(exampleSpec(8), { ...exampleSpec(8), name: 'Other' })).toMatchObject({ ok: false, error: { rule: 'update.nameMismatch' } });
  });

  it('an update does not run registration name-clash checks', () => {
    expect(update(exampleSpec(8), exampleSpec(8)).ok).toBe(true);
  });
});
