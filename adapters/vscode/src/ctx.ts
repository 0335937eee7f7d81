// The extension's state for one window: the language client, the open session
// and its chat state, the running chat/send, and where sync stands. Commands,
// the chat view and the status bar all go through here.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { applyOp, emptyState, olderPageParams, PAGE_SIZE, promptOf, titleOf, type ChatMessage, type ChatOp, type ChatState } from './chat_model';
import { createClient, findServer } from './client';
import { Config, SECRET_API_KEY, SECRET_SYNC_TOKEN } from './config';
import { errorMessage, userMessage } from './errors';
import * as ext from './lsp_ext';
import type { ChatSendParams, ChatSendResult, Component, Image, PersistenceStatus, SessionChangedParams, SessionOpenResult, SyncStatus } from './protocol';
import { newSessionId } from './session_id';

const LAST_SESSION_KEY = 'aieditor.lastSession';

/** A user-facing failure whose message has already been shown. */
export class ShownError extends Error {}


export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly output: vscode.LogOutputChannel;
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private serverVersion: string | undefined;
  private chat: ChatState = emptyState();
  private sending: vscode.CancellationTokenSource | undefined;
  private localIds = 0;
  /** The session being opened by ensureSession. */
  private sessionOpening: Promise<SessionOpenResult> | undefined;
  private currentComponentId: string | undefined;
  private olderLoad: Promise<void> | undefined;
  private lastTextEditor: vscode.TextEditor | undefined;
  /** The settings the running server was started with, to tell whether a change needs a restart. */
  private startedWith: Config['serverSettings'] | undefined;
  private sync: SyncStatus | undefined;
  private syncRefresh: Promise<void> | undefined;
  /** Asked again while a sync/status was on its way: its answer may predate what changed. */
  private syncRefreshAgain = false;

  private readonly opEmitter = new vscode.EventEmitter<ChatOp>();
  /** Every change of the chat state, in order. */
  readonly onDidChangeChat = this.opEmitter.event;
  private readonly versionEmitter = new vscode.EventEmitter<Component>();
  /** A reply or a synced change made a new version of a component of the open session. */
  readonly onDidMakeVersion = this.versionEmitter.event;
  private readonly syncEmitter = new vscode.EventEmitter<SyncStatus | undefined>();
  /** Every sync status the server sent or answered; undefined when the server stopped. */
  readonly onDidChangeSync = this.syncEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('AI Editor', { log: true });
    this.lastTextEditor = vscode.window.activeTextEditor;
    this.disposables.push(
      this.output,
      this.opEmitter,
      this.versionEmitter,
      this.syncEmitter,
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e) this.lastTextEditor = e;
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        const changed =
          this.config.affectsServer(e) && JSON.stringify(this.config.serverSettings) !== JSON.stringify(this.startedWith);
        if (changed && (this.client || this.starting)) {
          void this.restart().catch((err) => this.log(`restart failed: ${errorMessage(err)}`));
        }
      }),
    );
  }

  get state(): ChatState {
    return this.chat;
  }
  get sessionId(): string | undefined {
    return this.chat.sessionId;
  }
  get lastSessionId(): string | undefined {
    return this.extension.workspaceState.get<string>(LAST_SESSION_KEY);
  }

  /** The editor to insert into: the active one, or the last one when a view has focus. */
  get targetEditor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    if (active) return active;
    const last = this.lastTextEditor;
    if (last && vscode.window.visibleTextEditors.includes(last)) return last;
    return vscode.window.visibleTextEditors[0];
  }

  log(line: string): void {
    this.output.info(line);
  }

  private dispatch(op: ChatOp): void {
    this.chat = applyOp(this.chat, op);
    this.opEmitter.fire(op);
  }

  // ---- the server ---------------------------------------------------------------

  /** The running client, started on first use. Errors have been shown to the user. */
  getClient(): Promise<LanguageClient> {
    if (this.client) return Promise.resolve(this.client);
    if (!this.starting) {
      this.starting = this.start().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async start(): Promise<LanguageClient> {
    const found = await findServer(this.config.serverPath, this.extension.extensionPath);
    if (!found.ok) {
      this.log(found.message);
      const actions = found.offerSettings ? ['Open Settings', 'Show Log'] : ['Show Log'];
      void vscode.window.showErrorMessage(found.message, ...actions).then((choice) => {
        if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'aieditor.serverPath');
        if (choice === 'Show Log') this.output.show();
      });
      throw new ShownError(found.message);
    }
    this.serverVersion = found.version;
    this.log(`starting ${found.path} (aieditor ${found.version}, from ${found.source})`);
    this.startedWith = this.config.serverSettings;
    const apiKey = await this.extension.secrets.get(SECRET_API_KEY);
    const syncToken = await this.extension.secrets.get(SECRET_SYNC_TOKEN);
    const env = this.config.serverEnvironment({ apiKey, syncToken });
    const client = createClient(found.path, this.config.initializationOptions(), env, this.output);
    client.onNotification(ext.chatDelta, (p) => {
      this.dispatch({ type: 'delta', sessionId: p.sessionId, messageId: p.messageId, delta: p.delta, at: new Date().toISOString() });
    });
    client.onNotification(ext.persistenceStatus, (p) => {
      if (p.sessionId === this.chat.sessionId) this.dispatch({ type: 'status', status: p });
      // The sync status announces only changes of state: a write made while
      // offline changes the count of waiting writes, which is asked for here.
      if (p.state === 'saved' && ['offline', 'error', 'authRequired'].includes(this.sync?.state ?? '')) void this.refreshSyncStatus();
    });
    client.onNotification(ext.syncStatusChanged, (s) => this.setSyncStatus(s));
    client.onNotification(ext.sessionChanged, (p) => this.sessionChanged(p));
    try {
      await client.start();
    } catch (e) {
      const message = `The AI Editor server (${found.path}) failed to start: ${errorMessage(e)}`;
      this.log(message);
      // A hosted provider without a key fails initialize: offer the fix.
      const actions = /api key/i.test(message) ? ['Set API Key', 'Show Log'] : ['Open Settings', 'Show Log'];
      void vscode.window.showErrorMessage(message, ...actions).then((c) => {
        if (c === 'Set API Key') void vscode.commands.executeCommand('aieditor.setApiKey');
        if (c === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'aieditor');
        if (c === 'Show Log') this.output.show();
      });
      await client.dispose().catch(() => undefined);
      throw new ShownError(message);
    }
    const info = client.initializeResult?.capabilities.experimental as { aieditor?: { databasePath?: string; provider?: string } } | undefined;
    this.log(`server ready: database ${info?.aieditor?.databasePath ?? '?'}, provider ${info?.aieditor?.provider ?? '?'}`);
    this.client = client;
    void this.refreshSyncStatus();
    return client;
  }

  /** Stops the server; the next request starts it again. */
  async stop(): Promise<void> {
    this.sending?.cancel();
    const client = this.client ?? (await this.starting?.catch(() => undefined));
    this.client = undefined;
    this.setSyncStatus(undefined);
    if (client) await client.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.getClient();
    if (this.chat.sessionId) await this.openSession(this.chat.sessionId);
  }

  /** Whether a server is running or starting. */
  get running(): boolean {
    return this.client !== undefined || this.starting !== undefined;
  }

  get version(): string | undefined {
    return this.serverVersion;
  }

  // ---- sync -------------------------------------------------------------------------

  /** Where sync stands, as the running server last said; undefined when no server runs. */
  get syncStatus(): SyncStatus | undefined {
    return this.sync;
  }

  setSyncStatus(status: SyncStatus | undefined): void {
    this.sync = status;
    this.syncEmitter.fire(status);
  }

  /** Asks the running server for its sync status; one request at a time, and one more if asked meanwhile. */
  refreshSyncStatus(): Promise<void> {
    const client = this.client;
    if (!client) return Promise.resolve();
    if (this.syncRefresh) {
      this.syncRefreshAgain = true;
      return this.syncRefresh;
    }
    this.syncRefresh = client
      .sendRequest(ext.syncStatus, {})
      .then(
        (s) => {
          if (this.client === client) this.setSyncStatus(s);
        },
        (e) => this.log(`sync/status: ${errorMessage(e)}`),
      )
      .finally(() => {
        this.syncRefresh = undefined;
        if (this.syncRefreshAgain) {
          this.syncRefreshAgain = false;
          void this.refreshSyncStatus();
        }
      });
    return this.syncRefresh;
  }

  /**
   * The running server now syncs with `url` (a sync/login gave it): writing it
   * to the settings afterwards needs no restart.
   */
  adoptSyncUrl(url: string): void {
    if (this.startedWith) this.startedWith = { ...this.startedWith, syncUrl: url };
  }

  /** Another device's work, pulled from the team backend, for a session this window may show. */
  private sessionChanged(p: SessionChangedParams): void {
    if (p.sessionId !== this.chat.sessionId) return;
    if (p.deleted) {
      const name = this.chat.title || p.sessionId;
      this.currentComponentId = undefined;
      this.dispatch({ type: 'reset', messages: [], hasMore: false });
      if (this.lastSessionId === p.sessionId) void this.extension.workspaceState.update(LAST_SESSION_KEY, undefined);
      void vscode.window.showWarningMessage(`AI Editor: the session "${name}" was deleted on another device.`);
      return;
    }
    if (p.currentComponentId !== undefined) this.currentComponentId = p.currentComponentId ?? undefined;
    for (const c of p.components ?? []) this.versionEmitter.fire(c);
    if (p.messages && p.messages.length > 0) this.dispatch({ type: 'pulled', sessionId: p.sessionId, messages: p.messages });
  }

  // ---- sessions -------------------------------------------------------------------

  async openSession(sessionId: string): Promise<SessionOpenResult> {
    const client = await this.getClient();
    const result = await client.sendRequest(ext.sessionOpen, { sessionId, limit: PAGE_SIZE });
    const previous = this.chat.sessionId;
    if (previous !== undefined && previous !== sessionId) {
      // The view leaves it: the server may drop its in-memory stores.
      void client.sendRequest(ext.sessionClose, { sessionId: previous }).catch((e) => this.log(`session/close: ${errorMessage(e)}`));
    }
    const status: PersistenceStatus = { ...result.status, sessionId };
    this.currentComponentId = result.currentComponentId ?? undefined;
    this.dispatch({ type: 'reset', sessionId, title: result.session.title, messages: result.messages, hasMore: result.hasMore, status });
    await this.extension.workspaceState.update(LAST_SESSION_KEY, sessionId);
    return result;
  }

  /** Starts a session with a fresh id; its title comes from its first prompt. */
  newSession(): Promise<SessionOpenResult> {
    return this.openSession(newSessionId(new Date()));
  }

  /**
   * The open session; when none is open, a new one (or the last one, when
   * `reopenLast` and there is one). A prompt is never dropped for want of a
   * session, and the chat view opening meanwhile does not start another.
   */
  async ensureSession(reopenLast = false): Promise<string> {
    if (!this.chat.sessionId) {
      const last = reopenLast ? this.lastSessionId : undefined;
      this.sessionOpening ??= (last ? this.openSession(last) : this.newSession()).finally(() => {
        this.sessionOpening = undefined;
      });
      await this.sessionOpening;
    }
    return this.requireSession();
  }

  /** Loads the page of messages older than the view holds; one load at a time, shared by whoever asks meanwhile. */
  loadOlder(): Promise<void> {
    this.olderLoad ??= this.fetchOlder().finally(() => {
      this.olderLoad = undefined;
    });
    return this.olderLoad;
  }

  private async fetchOlder(): Promise<void> {
    const params = olderPageParams(this.chat);
    if (!params) return;
    this.dispatch({ type: 'olderLoading' });
    try {
      const client = await this.getClient();
      const page = await client.sendRequest(ext.messagesList, params);
      this.dispatch({ type: 'older', sessionId: params.sessionId, messages: page.messages, hasMore: page.hasMore });
    } catch (e) {
      this.log(`messages/list: ${errorMessage(e)}`);
      this.dispatch({ type: 'olderFailed', error: `Could not load older messages: ${userMessage(e)}` });
    }
  }

  /**
   * The newest message of the open session `sessionId` that `match`es, loading
   * older pages until one does; undefined when none does (or the session changed).
   */
  async findMessage(sessionId: string, match: (m: ChatMessage) => boolean): Promise<ChatMessage | undefined> {
    for (;;) {
      if (this.chat.sessionId !== sessionId) return undefined;
      const found = [...this.chat.messages].reverse().find(match);
      if (found || !this.chat.hasMore) return found;
      const held = this.chat.messages.length;
      await this.loadOlder();
      if (this.chat.messages.length === held) return undefined; // the load failed, or brought nothing
    }
  }

  /** The server renamed a session: the chat's title follows when it is the open one. */
  noteTitle(sessionId: string, title: string): void {
    this.dispatch({ type: 'title', sessionId, title });
  }

  // ---- chat -----------------------------------------------------------------------

  get busy(): boolean {
    return this.sending !== undefined;
  }

  /**
   * Sends a prompt in the open session (a new one when none is open) and
   * resolves to the stored reply. Resolves to undefined when it was cancelled
   * or failed: the view shows why, with Retry.
   */
  async send(text: string, images: Image[] = [], options: { makeComponent?: boolean } = {}): Promise<ChatSendResult | undefined> {
    if (this.sending) {
      void vscode.window.showWarningMessage('AI Editor: a reply is still being written. Wait for it, or cancel it first.');
      return undefined;
    }
    const sessionId = await this.ensureSession();
    const client = await this.getClient();
    const source = new vscode.CancellationTokenSource();
    this.sending = source;
    const localId = `local-${++this.localIds}`;
    const wireImages = images.map(({ mimeType, data }) => ({ mimeType, data }));
    this.dispatch({
      type: 'upsert',
      message: {
        id: localId,
        sessionId,
        role: 'user',
        content: text,
        images: wireImages.length > 0 ? wireImages : undefined,
        createdAt: new Date().toISOString(),
        status: 'complete',
        pending: true,
      },
    });
    this.dispatch({ type: 'busy', busy: true, since: new Date().toISOString() });
    try {
      const params: ChatSendParams = { sessionId, text };
      if (wireImages.length > 0) params.images = wireImages;
      if (options.makeComponent === false) params.makeComponent = false;
      const result = await client.sendRequest(ext.chatSend, params, source.token);
      this.dispatch({ type: 'upsert', message: result.userMessage, replaces: localId });
      this.dispatch({ type: 'upsert', message: result.assistantMessage });
      if (result.component) {
        this.currentComponentId = result.component.id;
        this.versionEmitter.fire(result.component);
      }
      if (!this.chat.title) this.dispatch({ type: 'title', sessionId, title: titleOf(text) });
      return result;
    } catch (e) {
      const cancelled = source.token.isCancellationRequested;
      this.log(`chat/send: ${errorMessage(e)}`);
      const error = cancelled ? 'Cancelled. What had arrived is kept.' : userMessage(e);
      this.dispatch({ type: 'failed', error, prompt: { text, images: wireImages } });
      // The server stored what arrived (status interrupted or failed): show that.
      try {
        const page = await client.sendRequest(ext.messagesList, { sessionId, limit: PAGE_SIZE });
        this.dispatch({ type: 'mergeNewest', sessionId, messages: page.messages });
      } catch (e2) {
        this.log(`messages/list after a failed send: ${errorMessage(e2)}`);
      }
      return undefined;
    } finally {
      this.sending = undefined;
      source.dispose();
      this.dispatch({ type: 'busy', busy: false });
    }
  }

  /** Sends the prompt of the last failed or stopped reply again. */
  retry(): Promise<ChatSendResult | undefined> {
    const failed = this.chat.failedPrompt;
    if (!failed) return Promise.resolve(undefined);
    return this.send(failed.text, failed.images);
  }

  /** Sends the prompt that `replyId` answered again, for another reply. */
  regenerate(replyId: string): Promise<ChatSendResult | undefined> {
    const prompt = promptOf(this.chat, replyId);
    if (!prompt) throw new Error('That reply has no prompt to send again.');
    return this.send(prompt.content, prompt.images ?? []);
  }

  /** Cancels the running chat/send; false when none runs. */
  cancel(): boolean {
    if (!this.sending) return false;
    this.sending.cancel();
    return true;
  }

  // ---- components -------------------------------------------------------------------

  /** The session's current component (latest version), or undefined when it has none. */
  async currentComponent(): Promise<Component | undefined> {
    const sessionId = this.requireSession();
    const client = await this.getClient();
    try {
      const { component } = await client.sendRequest(ext.componentsGet, { sessionId });
      this.currentComponentId = component.id;
      return component;
    } catch (e) {
      this.log(`components/get: ${errorMessage(e)}`);
      return undefined;
    }
  }

  async component(componentId: string, version?: number): Promise<Component> {
    const sessionId = this.requireSession();
    const client = await this.getClient();
    const params = version === undefined ? { sessionId, componentId } : { sessionId, componentId, version };
    return (await client.sendRequest(ext.componentsGet, params)).component;
  }

  /**
   * The component version a reply made: its component, and the version whose
   * metadata names the reply's interaction (the latest when none does). Empty
   * when the reply made no component.
   */
  async componentOfReply(messageId: string): Promise<[string, number?] | []> {
    const message = this.chat.messages.find((m) => m.id === messageId);
    if (!message?.componentId) return [];
    const client = await this.getClient();
    const { versions } = await client.sendRequest(ext.componentsHistory, {
      sessionId: this.requireSession(),
      componentId: message.componentId,
    });
    const made = versions.find((v) => message.interactionId !== undefined && v.metadata?.interactionId === message.interactionId);
    return made ? [message.componentId, made.version] : [message.componentId];
  }

  get knownCurrentComponentId(): string | undefined {
    return this.currentComponentId;
  }

  noteCurrentComponent(id: string): void {
    this.currentComponentId = id;
  }

  requireSession(): string {
    const id = this.chat.sessionId;
    if (!id) throw new Error('No session is open. Send a prompt, or run "AI Editor: Open Session", first.');
    return id;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
