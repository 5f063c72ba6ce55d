/**
 * The registry an image reference is pulled from, as Docker reads a reference: the first path part
 * names a registry when it has a dot or a port, or is `localhost`; otherwise the image is on Docker
 * Hub, whose credentials Docker files under `https://index.docker.io/v1/`.
 */
export const DOCKER_HUB_AUTH_ADDRESS = 'https://index.docker.io/v1/';

export function registryServerAddress(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB_AUTH_ADDRESS;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : DOCKER_HUB_AUTH_ADDRESS;
}
