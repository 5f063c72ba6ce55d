import { join } from 'node:path';
import { appKey } from './naming';

/**
 * Where one component's data lives on a node, as FluxOS lays it out (`<apps>/flux<component>_<app>/appdata`):
 * a file of the component's `hdd` size formatted ext4 (`image`), loop-mounted at `mountPoint`; the
 * container's primary `containerData` path is `appdata` inside it, extra `m:`/`f:` mounts are siblings of
 * `appdata`. The synced folder of an `s:`/`r:`/`g:` component is `appdata`, shared under `folderId` by
 * every node that holds an instance of the app.
 */
export interface VolumeLayout {
  /** `flux<component>_<app>`: FluxOS's name for the component's data (and its Syncthing folder id). */
  folderId: string;
  image: string;
  mountPoint: string;
  appdata: string;
}

export function volumeLayout(dataDir: string, app: string, component: string): VolumeLayout {
  const folderId = `flux${component.toLowerCase()}_${appKey(app)}`;
  const mountPoint = join(dataDir, 'apps', folderId);
  return { folderId, image: join(dataDir, 'volumes', `${folderId}.ext4`), mountPoint, appdata: join(mountPoint, 'appdata') };
}
