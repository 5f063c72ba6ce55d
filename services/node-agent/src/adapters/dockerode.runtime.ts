import Docker from 'dockerode';
import type { ContainerRuntime, ContainerSpec, ContainerSummary, PullProgress } from './container-runtime';
import { RuntimeError } from './container-runtime';

/** Docker's own message (`json.message`) rather than dockerode's "(HTTP code 404) unexpected - ..." wrapper. */
function toRuntimeError(err: unknown, action: string): RuntimeError {
  const e = err as { statusCode?: number; json?: { message?: string } | null; message?: string };
  const wrapped = e?.message ?? String(err);
  // Streaming endpoints (pull) leave `json` empty; the message then carries Docker's text after the wrapper.
  const detail = (e?.json && typeof e.json.message === 'string' ? e.json.message : wrapped.replace(/^\(HTTP code \d+\) [^-]*- /, '')).trim();
  return new RuntimeError(`${action}: ${detail}`, e?.statusCode);
}

/** The Docker Engine through its socket, with dockerode. */
export class DockerodeRuntime implements ContainerRuntime {
  private readonly docker: Docker;

  /**
   * `idleTimeoutMs` bounds every call to the engine that goes quiet (a stuck call must not stall the
   * agent's reconcile loop forever); `pullTimeoutMs` bounds a whole pull.
   */
  constructor(socketPath: string, private readonly limits: { idleTimeoutMs?: number; pullTimeoutMs?: number } = {}) {
    this.docker = new Docker({ socketPath, timeout: limits.idleTimeoutMs ?? 60_000 });
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw toRuntimeError(err, 'docker ping');
    }
  }

  async pull(image: string, onProgress?: (p: PullProgress) => void): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(image);
    } catch (err) {
      throw toRuntimeError(err, `pull ${image}`);
    }
    // The engine answers 200 at once and reports a failure half-way (a missing layer, a dropped
    // connection) as an `error` line in the progress stream, so the pull is over only when the
    // stream ends, and failed if any line says so.
    const deadlineMs = this.limits.pullTimeoutMs ?? 600_000;
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => {
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        reject(new RuntimeError(`pull ${image}: no result after ${Math.round(deadlineMs / 1000)} s`));
      }, deadlineMs);
      deadline.unref();
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, output: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
          clearTimeout(deadline);
          const failed = output?.find((o) => o.error || o.errorDetail);
          if (err) reject(toRuntimeError(err, `pull ${image}`));
          else if (failed) reject(new RuntimeError(`pull ${image}: ${failed.errorDetail?.message ?? failed.error}`));
          else resolve();
        },
        (event: PullProgress) => onProgress?.(event),
      );
    });
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw toRuntimeError(err, `inspect image ${image}`);
    }
  }

  async create(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of spec.ports) {
      const key = `${p.container}/tcp`;
      exposed[key] = {};
      bindings[key] = [...(bindings[key] ?? []), { HostIp: spec.hostIp, HostPort: String(p.host) }];
    }
    try {
      const container = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Labels: spec.labels,
        Env: spec.env,
        ...(spec.cmd ? { Cmd: spec.cmd } : {}),
        ExposedPorts: exposed,
        HostConfig: {
          Memory: spec.memoryBytes,
          NanoCpus: spec.nanoCpus,
          PortBindings: bindings,
          RestartPolicy: { Name: 'unless-stopped' },
        },
      });
      return container.id;
    } catch (err) {
      throw toRuntimeError(err, `create ${spec.name}`);
    }
  }

  async start(idOrName: string): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).start();
    } catch (err) {
      // 304: already running.
      if ((err as { statusCode?: number }).statusCode === 304) return;
      throw toRuntimeError(err, `start ${idOrName}`);
    }
  }

  async stop(idOrName: string, timeoutSec: number): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).stop({ t: timeoutSec });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 304 || status === 404) return; // already stopped, or gone
      throw toRuntimeError(err, `stop ${idOrName}`);
    }
  }

  async remove(idOrName: string): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).remove({ force: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      throw toRuntimeError(err, `remove ${idOrName}`);
    }
  }

  async list(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    try {
      const infos = await this.docker.listContainers({ all: true, filters: JSON.stringify(filters) });
      return infos.map((i) => ({
        id: i.Id,
        names: i.Names,
        image: i.Image,
        state: i.State,
        labels: i.Labels ?? {},
        raw: i as unknown as Record<string, unknown>,
      }));
    } catch (err) {
      throw toRuntimeError(err, 'list containers');
    }
  }
}
