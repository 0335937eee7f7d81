// A minimal JSON-RPC client over the LSP base framing, for checking what the
// aieditor server stored. Used by the end-to-end test only.

import { spawn } from 'node:child_process';

export class RpcClient {
  /** Starts `command args` and performs the LSP initialize handshake. */
  static async start(command, args, options, initializationOptions = {}) {
    const client = new RpcClient(spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] }));
    await client.request('initialize', { processId: process.pid, clientInfo: { name: 'aieditor-e2e' }, initializationOptions });
    client.notify('initialized', {});
    return client;
  }

  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.pending = new Map();
    this.notifications = [];
    this.buffer = Buffer.alloc(0);
    this.stderr = '';
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.stdout.on('data', (chunk) => this.onData(chunk));
    child.stderr.on('data', (chunk) => {
      this.stderr += chunk.toString();
    });
    child.on('exit', (code, signal) => {
      for (const { reject } of this.pending.values()) reject(new Error(`server exited (${code ?? signal}): ${this.stderr}`));
      this.pending.clear();
    });
  }

  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const m = /content-length:\s*(\d+)/i.exec(header);
      if (!m) throw new Error(`bad frame header: ${header}`);
      const length = Number(m[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(JSON.parse(body));
    }
  }

  dispatch(msg) {
    if (msg.id !== undefined && msg.id !== null && this.pending.has(msg.id)) {
      const { resolve, reject, method } = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) reject(Object.assign(new Error(`${method}: ${msg.error.message} (${msg.error.code})`), { code: msg.error.code }));
      else resolve(msg.result);
    } else if (msg.method) {
      this.notifications.push(msg);
    }
  }

  write(msg) {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.write({ id, method, params });
    });
  }

  notify(method, params) {
    this.write({ method, params });
  }

  /** shutdown + exit; resolves to the exit code. */
  async close() {
    await this.request('shutdown', null);
    this.notify('exit', null);
    this.child.stdin.end();
    return (await this.exited).code;
  }
}
