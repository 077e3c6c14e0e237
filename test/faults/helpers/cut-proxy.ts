/**
 * A TCP relay between Steward and a database server that a test can cut, so that faults of the
 * network or of the server reach Steward exactly as they would, without touching the shared
 * server itself (other tests use it):
 * - `down()`: every connection is dropped and new ones are refused (the server is unreachable,
 *   or stopped); `up()` listens again on the same port (the server is back: a restart);
 * - `cut()`: every open connection is dropped, new ones are accepted;
 * - `trip(match, n, action)`: once the client has sent its `n`-th statement for which `match`
 *   holds (counted over every connection), relay nothing more from the client and run `action`:
 *   the n-th statement has reached the server, nothing after it does.
 * The client's bytes are relayed message by message (PostgreSQL's protocol or MySQL's packets),
 * and every statement relayed is recorded (`sent`): what reached the server, to compare with
 * the audit log.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type Protocol = 'postgres' | 'mysql';

export interface CutProxy {
  readonly port: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Every statement relayed to the server, in order (SQL text of simple queries and prepares). */
  readonly sent: readonly string[];
  down(): Promise<void>;
  up(): Promise<void>;
  cut(): void;
  /**
   * After the `n`-th relayed statement that `match` accepts, relay nothing more from the client
   * and run `action`: 'cut' drops every connection; 'down' drops them and refuses new ones; a
   * function runs first (e.g. terminating the backend from an admin session, whose last words
   * still reach the client), then every connection is dropped. Resolves when done.
   */
  trip(match: (sql: string) => boolean, n: number, action: 'cut' | 'down' | (() => Promise<void>)): Promise<void>;
  /**
   * After the `n`-th relayed statement that `match` accepts, hold that connection (only it): what
   * its client sends next waits, while `during` runs; then it is relayed and the connection goes
   * on as if nothing happened. A client paused in the middle of an apply, holding its lock.
   */
  pause(match: (sql: string) => boolean, n: number, during: () => Promise<void>): Promise<void>;
  /** Whether a trip is set and has not fired yet. */
  readonly armed: boolean;
  /** Remove a trip that has not fired. */
  disarm(): void;
  close(): Promise<void>;
}

/** Splits a client's byte stream into whole protocol messages, and reads the SQL of query messages. */
class MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  private startup = true;

  constructor(private readonly protocol: Protocol) {}

  /** Whole messages available after `chunk`, each with its SQL when it carries a statement. */
  push(chunk: Buffer): { bytes: Buffer; sql: string | null }[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: { bytes: Buffer; sql: string | null }[] = [];
    for (;;) {
      const m = this.protocol === 'postgres' ? this.nextPostgres() : this.nextMysql();
      if (m === null) return out;
      out.push(m);
    }
  }

  /** The SQL of one whole message (not a startup message), or null. */
  sqlOf(bytes: Buffer): string | null {
    this.startup = false;
    this.buffer = bytes;
    const m = this.protocol === 'postgres' ? this.nextPostgres() : this.nextMysql();
    return m?.sql ?? null;
  }

  private take(length: number): Buffer {
    const bytes = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return bytes;
  }

  private nextPostgres(): { bytes: Buffer; sql: string | null } | null {
    if (this.startup) {
      // StartupMessage / SSLRequest: Int32 length, Int32 code, no type byte.
      if (this.buffer.length < 8) return null;
      const length = this.buffer.readInt32BE(0);
      if (this.buffer.length < length) return null;
      const code = this.buffer.readInt32BE(4);
      if (code !== 80877103) this.startup = false; // after an SSLRequest the startup message follows
      return { bytes: this.take(length), sql: null };
    }
    if (this.buffer.length < 5) return null;
    const length = this.buffer.readInt32BE(1) + 1;
    if (this.buffer.length < length) return null;
    const type = String.fromCharCode(this.buffer[0]!);
    const bytes = this.take(length);
    let sql: string | null = null;
    if (type === 'Q') sql = bytes.subarray(5, bytes.indexOf(0, 5)).toString('utf8');
    if (type === 'P') {
      const nameEnd = bytes.indexOf(0, 5);
      sql = bytes.subarray(nameEnd + 1, bytes.indexOf(0, nameEnd + 1)).toString('utf8');
    }
    return { bytes, sql };
  }

  private nextMysql(): { bytes: Buffer; sql: string | null } | null {
    if (this.buffer.length < 4) return null;
    const length = this.buffer.readUIntLE(0, 3) + 4;
    if (this.buffer.length < length) return null;
    const sequence = this.buffer[3]!;
    const bytes = this.take(length);
    // A command starts a new exchange (sequence 0): COM_QUERY (3) and COM_STMT_PREPARE (22) carry SQL.
    const command = bytes[4];
    const sql = sequence === 0 && (command === 3 || command === 22) ? bytes.subarray(5).toString('utf8') : null;
    return { bytes, sql };
  }
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Set while the connection is paused: messages wait here. */
  waiting: Buffer[] | null;
}

export async function startCutProxy(target: { host: string; port: number }, protocol: Protocol): Promise<CutProxy> {
  const pairs = new Set<Pair>();
  const sent: string[] = [];
  let accepted = 0;
  let port = 0;
  let server: Server | null = null;
  /** A trip fired: nothing more is relayed from clients; `heldDown`: nor to them. */
  let held = false;
  let heldDown = false;
  let trip: { match: (sql: string) => boolean; n: number; seen: number; fire: (pair: Pair) => void; serverSide: boolean; pause?: boolean } | null = null;

  const drop = (): void => {
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    pairs.clear();
  };

  const onConnection = (client: Socket): void => {
    accepted++;
    const upstream = createConnection(target);
    const pair: Pair = { client, upstream, waiting: null };
    pairs.add(pair);
    const reader = new MessageReader(protocol);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    upstream.on('data', (d: Buffer) => {
      if (!heldDown) client.write(d);
    });
    client.on('data', (d: Buffer) => {
      for (const m of reader.push(d)) {
        if (held) return;
        if (pair.waiting !== null) {
          pair.waiting.push(m.bytes);
          continue;
        }
        upstream.write(m.bytes);
        if (m.sql === null) continue;
        sent.push(m.sql);
        if (trip !== null && trip.match(m.sql) && ++trip.seen >= trip.n) {
          const t = trip;
          trip = null;
          if (t.pause === true) pair.waiting = [];
          else {
            held = true;
            heldDown = !t.serverSide;
          }
          t.fire(pair);
        }
      }
    });
  };

  const listen = async (): Promise<void> => {
    const s = createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('cut proxy: no port');
    port = address.port;
    server = s;
  };

  const down = async (): Promise<void> => {
    const s = server;
    server = null;
    drop();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    get armed() {
      return trip !== null;
    },
    sent,
    down,
    async up() {
      held = false;
      heldDown = false;
      if (server === null) await listen();
    },
    cut() {
      drop();
    },
    pause(match, n, during) {
      return new Promise<void>((resolve, reject) => {
        trip = {
          match,
          n,
          seen: 0,
          serverSide: false,
          pause: true,
          fire: (pair) => {
            const resume = (): void => {
              const waiting = pair.waiting ?? [];
              pair.waiting = null;
              // Relay what waited (statements included, in order), then carry on.
              for (const bytes of waiting) {
                pair.upstream.write(bytes);
                const sql = new MessageReader(protocol).sqlOf(bytes);
                if (sql !== null) sent.push(sql);
              }
            };
            during().then(
              () => {
                resume();
                resolve();
              },
              (err: unknown) => {
                resume();
                reject(err instanceof Error ? err : new Error(String(err)));
              },
            );
          },
        };
      });
    },
    disarm() {
      trip = null;
    },
    trip(match, n, action) {
      return new Promise<void>((resolve, reject) => {
        const finish = (err?: unknown): void => {
          drop();
          held = false;
          heldDown = false;
          if (err === undefined) resolve();
          else reject(err instanceof Error ? err : new Error('cut proxy: the trip action failed'));
        };
        trip = {
          match,
          n,
          seen: 0,
          serverSide: typeof action === 'function',
          fire: () => {
            const run =
              action === 'cut'
                ? Promise.resolve()
                : action === 'down'
                  ? down()
                  : // The server's last words (its FATAL message) still reach the client.
                    action().then(() => new Promise<void>((r) => setTimeout(r, 500)));
            run.then(() => finish(), finish);
          },
        };
      });
    },
    async close() {
      trip = null;
      await down();
    },
  };
}
