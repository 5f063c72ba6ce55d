/**
 * Height-independent limits of the FluxOS app spec (CFG `fluxapps`, `fluxSpecifics`,
 * `lockedSystemResources`, and the literals in `appValidator.js`).
 */

/** Inclusive ranges of host ports no app may publish (node services, Syncthing, well-known daemons). */
export const BANNED_PORT_RANGES: ReadonlyArray<readonly [number, number]> = [
  [16100, 16299], [26100, 26299], [30000, 30099],
  [8384, 8384], [27017, 27017], [22, 22], [23, 23], [25, 25], [3389, 3389], [5900, 5900],
  [5800, 5800], [161, 161], [512, 512], [513, 513], [5901, 5901], [3388, 3388], [4444, 4444],
  [123, 123], [53, 53],
];

/** Ports that are allowed but priced extra ("enterprise ports"). */
export const ENTERPRISE_PORT_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0, 1023], [8080, 8080], [8081, 8081], [8443, 8443], [6667, 6667],
];

export const PORT_MIN = 1;
export const PORT_MAX = 65535;
export const PORT_MIN_LEGACY = 31000;
export const PORT_MAX_LEGACY = 39999;
export const CONTAINER_PORT_MIN = 0;
export const CONTAINER_PORT_MAX = 65535;
export const MAX_PORTS_PER_COMPONENT = 5;

export const NAME_MAX_LEGACY = 32;
export const NAME_MAX_V8 = 63;
export const DESCRIPTION_MAX = 256;
export const DOMAIN_MAX = 253;
export const REPOTAG_MAX = 200;
export const CONTAINER_DATA_MIN = 2;
export const CONTAINER_DATA_MAX = 200;
export const MAX_ENV = 20;
export const MAX_COMMANDS = 20;
export const ENV_OR_COMMAND_MAX = 400;
export const COMPONENTS_MAX = 10;
export const COMPONENTS_MAX_LEGACY = 5;
export const INSTANCES_MIN = 3;
export const INSTANCES_MIN_V8 = 1;
export const INSTANCES_MAX = 100;
export const CONTACTS_MAX = 5;
export const CONTACT_MAX = 75;
export const GEOLOCATION_MAX = 10;
export const GEOLOCATION_ENTRY_MAX = 50;
export const NODES_MAX = 120;
export const NODE_ENTRY_MAX = 70;
export const SECRET_MAX = 15000;

export const EXPIRE_DEFAULT = 22000;
export const EXPIRE_MAX = 264000;
export const EXPIRE_MULTIPLE = 1000;

/** Decimal places allowed in numeric fields (satoshi precision). */
export const MAX_DECIMALS = 8;

// Tier capacity and the locked share are protocol constants: ./protocol/resources.ts.

export const RESERVED_NAME = 'watchtower';
/** Names a registration can never take because a node-local app already uses them. */
export const LOCAL_APP_NAMES: readonly string[] = ['share'];
export const FORBIDDEN_NAME_PREFIXES: readonly string[] = ['zel', 'flux'];

export const MESSAGE_TYPES_REGISTER: readonly string[] = ['fluxappregister', 'zelappregister'];
export const MESSAGE_TYPES_UPDATE: readonly string[] = ['fluxappupdate', 'zelappupdate'];
export const LATEST_SPEC_VERSION = 8;
