#!/usr/bin/env node
// Reference server for bench/run.sh: a JSON-RPC server on stdio, built on
// vscode-jsonrpc, that persists chat history the way popular AI assistants do:
// one JSON file per session, rewritten whole on every message (write to a
// temporary file, fsync, rename). Sessions are kept in memory once loaded, as
// those assistants keep the open chat in memory.
//
// Methods (a subset of docs/protocol.md, same shapes):
//   initialize, initialized, shutdown, exit
//   messages/add {sessionId, message:{id?, role, content}} -> {message}
//   session/open {sessionId, limit?} -> {session, messages, hasMore}
//
// Usage: node json-file-server.js DIR   (DIR holds <sessionId>.json files)
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const rpc = require('vscode-jsonrpc/node');

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: json-file-server.js DIR\n');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });

const sessions = new Map();

function fileOf(id) {
  return path.join(dir, `${id}.json`);
}

function load(id) {
  let session = sessions.get(id);
  if (session) return session;
  try {
    session = JSON.parse(fs.readFileSync(fileOf(id), 'utf8'));
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    const now = new Date().toISOString();
    session = { id, title: '', createdAt: now, updatedAt: now, messages: [] };
  }
  sessions.set(id, session);
  return session;
}

function save(session) {
  const file = fileOf(session.id);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(session));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

const connection = rpc.createMessageConnection(
  new rpc.StreamMessageReader(process.stdin),
  new rpc.StreamMessageWriter(process.stdout),
);

let shutdown = false;
connection.onRequest('initialize', () => ({
  serverInfo: { name: 'json-file-reference', version: '1.0.0' },
  capabilities: {},
}));
connection.onNotification('initialized', () => {});
connection.onRequest('shutdown', () => {
  shutdown = true;
  return null;
});
connection.onNotification('exit', () => process.exit(shutdown ? 0 : 1));

connection.onRequest('messages/add', (params) => {
  const session = load(params.sessionId);
  const now = new Date().toISOString();
  const message = {
    id: params.message.id ?? crypto.randomUUID(),
    sessionId: session.id,
    role: params.message.role,
    content: params.message.content,
    createdAt: now,
    status: 'complete',
  };
  session.messages.push(message);
  session.updatedAt = now;
  if (!session.title) session.title = message.content.slice(0, 60);
  save(session); // the whole session, on every message
  return { message };
});

connection.onRequest('session/open', (params) => {
  const session = load(params.sessionId);
  const limit = params.limit ?? 50;
  const all = session.messages;
  return {
    session: { id: session.id, title: session.title, createdAt: session.createdAt, updatedAt: session.updatedAt },
    messages: all.slice(Math.max(0, all.length - limit)),
    hasMore: all.length > limit,
  };
});

connection.onClose(() => process.exit(shutdown ? 0 : 1));
connection.listen();
