/**
 * One valid, canonically ordered spec per version (1–8), for tests, docs and tools.
 * All are valid at {@link EXAMPLE_HEIGHT}, after every fork this library knows.
 */
export const EXAMPLE_HEIGHT = 2_200_000;
export const EXAMPLE_OWNER = '1CbErtneaX2QVyUfwU7JGB7VzvPgrgc3uC';

type Json = Record<string, unknown>;

function component(version: number, index = 0): Json {
  const c: Json = {
    name: `web${index}`,
    description: 'Web server',
    repotag: 'nginx:latest',
    ports: [31000 + version * 10 + index],
    domains: [''],
    environmentParameters: ['MODE=prod'],
    commands: [],
    containerPorts: [80],
    containerData: '/data',
    cpu: 0.5,
    ram: 500,
    hdd: 5,
  };
  if (version <= 7) c.tiered = false;
  if (version >= 7) c.repoauth = '';
  if (version === 7) c.secrets = '';
  return c;
}

/** A fresh copy of a valid spec of the given version (1–8). */
export function exampleSpec(version: number, components = 1): Json {
  const head: Json = { version, name: `Example${version}`, description: 'An example application', owner: EXAMPLE_OWNER };
  if (version === 1) {
    return {
      ...head, repotag: 'nginx:latest', port: 31001, enviromentParameters: ['MODE=prod'], commands: [], containerPort: 80,
      containerData: '/data', cpu: 0.5, ram: 500, hdd: 5, tiered: false,
    };
  }
  if (version <= 3) {
    const s: Json = {
      ...head, repotag: 'nginx:latest', ports: [String(31000 + version)], domains: [''], enviromentParameters: ['MODE=prod'],
      commands: [], containerPorts: ['80'], containerData: '/data', cpu: 0.5, ram: 500, hdd: 5, tiered: false,
    };
    if (version === 3) s.instances = 3;
    return s;
  }
  const s: Json = { ...head, compose: Array.from({ length: components }, (_, i) => component(version, i)), instances: 3 };
  if (version >= 5) {
    s.contacts = [];
    s.geolocation = [];
  }
  if (version >= 6) s.expire = 22000;
  if (version >= 7) {
    s.nodes = [];
    s.staticip = false;
  }
  if (version >= 8) s.enterprise = '';
  return s;
}
