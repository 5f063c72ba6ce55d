import Docker from 'dockerode';
import { errorText } from '@fluxplane/service-kit';
import type { ContainerRuntime, ContainerSpec, ContainerSummary, PullAuth, PullProgress } from './container-runtime';
import { RuntimeError } from './container-runtime';

/** Docker's own message (`json.message`) rather than dockerode's "(HTTP code 404) unexpected - ..." wrapper. */
function toRuntimeError(err: unknown, action: string): RuntimeError {
  const e = err as { statusCode?: number; json?: { message?: string } | null };
  const wrapped = errorText(err);
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

  async pull(image: string, onProgress?: (p: PullProgress) => void, auth?: PullAuth): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(image, auth ? { authconfig: auth } : {});
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
          // `Mounts` (not `Binds`): Docker refuses a missing bind source at create and at every start
          // instead of creating it, so a container never runs over an unmounted volume.
          Mounts: (spec.binds ?? []).map((b) => ({ Type: 'bind' as const, Source: b.source, Target: b.target, ReadOnly: false })),
          // The agent restarts crashed containers itself (with backoff, and gives up on a crash loop):
          // Docker's policy would restart them forever. See domain/crash-policy.ts.
          RestartPolicy: { Name: 'no' },
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

  async logs(idOrName: string, tail: number): Promise<string> {
    try {
      const buf = (await this.docker.getContainer(idOrName).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
      return demuxLogs(Buffer.from(buf));
    } catch (err) {
      throw toRuntimeError(err, `logs ${idOrName}`);
    }
  }

  async stats(idOrName: string): Promise<Record<string, unknown>> {
    try {
      return (await this.docker.getContainer(idOrName).stats({ stream: false })) as unknown as Record<string, unknown>;
    } catch (err) {
      throw toRuntimeError(err, `stats ${idOrName}`);
    }
  }

  async inspect(idOrName: string): Promise<Record<string, unknown>> {
    try {
      return (await this.docker.getContainer(idOrName).inspect()) as unknown as Record<string, unknown>;
    } catch (err) {
      throw toRuntimeError(err, `inspect ${idOrName}`);
    }
  }

  async restart(idOrName: string, timeoutSec: number): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).restart({ t: timeoutSec });
    } catch (err) {
      throw toRuntimeError(err, `restart ${idOrName}`);
    }
  }
}

/**
 * The logs of a container without a TTY come as frames: 1 byte stream (1 stdout, 2 stderr), 3 zero
 * bytes, a 4-byte big-endian length, then the payload. Anything that is not framed is text as is.
 */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 0 || buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  if (i < buf.length) parts.push(buf.subarray(i));
  return Buffer.concat(parts).toString('utf8');
}
