// rdb's Debug Adapter Protocol scenarios, driven by Microsoft's DAP test client (@vscode/debugadapter-testsupport).
// Each `it` is one check; those marked `@main` are the main ones, also run on rdb.exe under Wine (`--grep @main`); `crates/rdb/tests/dap.rs` runs them against `rdb --dap` (and `cargo xtask bench` against
// lldb-vscode too, counting the checks each adapter passes).
//
// Environment: DAP_ADAPTER (the adapter's executable), DAP_ADAPTER_ARG (its one argument, `--dap` for rdb),
// DAP_PROGRAM (the built tests/debuggees/dap.c), DAP_SOURCE (that source; lines are found by its `@name` markers),
// DAP_PORT_MODE=1 to talk to `rdb --dap --port 0` over TCP instead of standard streams.
//
// The checks are adapter-neutral, so the bench's count says what each adapter can do: exception filters are picked
// from the adapter's own `exceptionBreakpointFilters` by what they say they are, scopes by `presentationHint` or
// name in any case. The few checks of what only rdb has (its console in the repl, the capabilities it must claim)
// are marked `@rdb`; the bench leaves them out.

'use strict';
const assert = require('assert');
const fs = require('fs');
const cp = require('child_process');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const ADAPTER = process.env.DAP_ADAPTER;
const ADAPTER_ARG = process.env.DAP_ADAPTER_ARG || '--dap';
const PROGRAM = process.env.DAP_PROGRAM;
const SOURCE = process.env.DAP_SOURCE;
const PORT_MODE = process.env.DAP_PORT_MODE === '1';
const TIMEOUT = 20000;

// An inherited variable that `launch`'s env removes (the adapter is started with it).
process.env.RDB_DAP_GONE = 'inherited';

const sourceLines = fs.readFileSync(SOURCE, 'utf8').split('\n');
/** The 1-based line holding `@name`. */
function line(name) {
    const i = sourceLines.findIndex((l) => l.includes(`@${name} `) || l.endsWith(`@${name}`) || l.includes(`@${name}*`));
    if (i < 0) throw new Error(`no @${name} in ${SOURCE}`);
    return i + 1;
}

let dc;
let server;
/** The adapter's capabilities, from the last `initialize`. */
let capabilities = {};

/** The adapter's exception filter whose id, label or description matches `pattern`, or undefined. */
function filterFor(pattern) {
    const filters = capabilities.exceptionBreakpointFilters || [];
    return filters.find((f) => pattern.test(`${f.filter} ${f.label} ${f.description || ''}`));
}

/** Fail at once, saying why, when the adapter does not claim `capability` (instead of waiting for an answer). */
function requireCapability(capability) {
    assert.ok(capabilities[capability], `the adapter does not claim ${capability}`);
}

/** The scope of `kind` (locals, arguments, registers): by presentationHint, else by name in any case. */
function scopeOf(scopes, kind) {
    return scopes.find((s) => s.presentationHint === kind) || scopes.find((s) => s.name.toLowerCase().startsWith(kind.slice(0, 5)));
}

async function startClient() {
    if (PORT_MODE) {
        server = cp.spawn(ADAPTER, [ADAPTER_ARG, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
        const port = await new Promise((resolve, reject) => {
            let text = '';
            server.stderr.on('data', (d) => {
                text += d.toString();
                const m = /127\.0\.0\.1:(\d+)/.exec(text);
                if (m) resolve(Number(m[1]));
            });
            server.on('exit', () => reject(new Error(`the server ended: ${text}`)));
        });
        dc = new DebugClient('unused', 'unused', 'rdb');
        dc.defaultTimeout = TIMEOUT;
        await dc.start(port);
    } else {
        dc = new DebugClient(ADAPTER, ADAPTER_ARG, 'rdb', { stdio: ['pipe', 'pipe', 'pipe'] });
        dc.defaultTimeout = TIMEOUT;
        await dc.start();
    }
}

/** The capabilities of the adapter (an `initialize` of a session of its own), each of `wanted` required. */
async function startWith(...wanted) {
    const probe = await dc.initializeRequest({ adapterID: 'rdb' });
    capabilities = probe.body || {};
    for (const c of wanted) requireCapability(c);
    // A fresh session for the check itself: `initialize` comes once per session.
    await stopClient();
    await startClient();
}

async function stopClient() {
    try {
        await Promise.race([dc.stop(), new Promise((r) => setTimeout(r, 3000))]);
    } catch (e) {
        // The session may already be over.
    }
    if (server) {
        server.kill();
        server = undefined;
    }
}

/** initialize, launch (`args`), `configure` (breakpoints...) once `initialized` comes, configurationDone. */
async function launch(args, configure) {
    const init = await dc.initializeRequest({ adapterID: 'rdb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    capabilities = init.body || {};
    const initialized = dc.waitForEvent('initialized');
    await dc.launchRequest(Object.assign({ program: PROGRAM, args: [] }, args));
    await initialized;
    if (configure) await configure();
    await dc.configurationDoneRequest();
    return init;
}

/** Launch with a breakpoint at `@name` and wait for its stop; returns the stopped event. */
async function stopAt(name, args, more) {
    const stopped = dc.waitForEvent('stopped');
    await launch(args, async () => {
        await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: line(name) }] });
        if (more) await more();
    });
    return stopped;
}

async function topFrame(threadId) {
    const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
    return st.body.stackFrames[0];
}

async function frameNamed(threadId, name) {
    const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
    return st.body.stackFrames.find((f) => f.name.startsWith(name));
}

async function localsOf(frameId) {
    const scopes = await dc.scopesRequest({ frameId });
    const locals = scopeOf(scopes.body.scopes, 'locals');
    const vars = await dc.variablesRequest({ variablesReference: locals.variablesReference });
    return vars.body.variables;
}

/** Resolves once the output of `category` starts with `expected` (a Windows program's `\r\n` read as `\n`). */
function outputStarting(category, expected) {
    return new Promise((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no ${category} output '${expected}' (got '${text}')`)), TIMEOUT);
        dc.on('output', (e) => {
            if (e.body.category !== category) return;
            text += e.body.output.replace(/\r\n/g, '\n');
            if (text.startsWith(expected)) {
                clearTimeout(timer);
                resolve(text);
            } else if (!expected.startsWith(text)) {
                clearTimeout(timer);
                reject(new Error(`${category} output '${text}' is not '${expected}'`));
            }
        });
    });
}

/** Resume and wait for the next stop. */
async function resumeTo(request) {
    const stopped = dc.waitForEvent('stopped');
    await request();
    return stopped;
}

describe('rdb DAP', function () {
    this.timeout(TIMEOUT * 2);
    beforeEach(startClient);
    afterEach(stopClient);

    it('initialize: configurationDone and exception filters', async () => {
        const c = (await dc.initializeRequest({ adapterID: 'rdb' })).body;
        assert.strictEqual(c.supportsConfigurationDoneRequest, true);
        assert.ok(c.exceptionBreakpointFilters.length > 0);
    });

    it('initialize: every capability of the issue @rdb', async () => {
        const init = await dc.initializeRequest({ adapterID: 'rdb' });
        const c = init.body;
        for (const cap of ['supportsConfigurationDoneRequest', 'supportsFunctionBreakpoints', 'supportsConditionalBreakpoints',
            'supportsHitConditionalBreakpoints', 'supportsLogPoints', 'supportsDataBreakpoints', 'supportsInstructionBreakpoints',
            'supportsDisassembleRequest', 'supportsReadMemoryRequest', 'supportsWriteMemoryRequest', 'supportsSteppingGranularity',
            'supportsModulesRequest', 'supportsExceptionInfoRequest', 'supportsSetVariable', 'supportsTerminateRequest']) {
            assert.strictEqual(c[cap], true, cap);
        }
        assert.ok(c.exceptionBreakpointFilters.length > 0);
    });

    it('launch runs to the exit: process, exited with the code, terminated @main', async () => {
        const process = dc.waitForEvent('process');
        const exited = dc.waitForEvent('exited');
        const terminated = dc.waitForEvent('terminated');
        await launch({});
        assert.ok((await process).body.name.length > 0);
        assert.strictEqual((await exited).body.exitCode, 10);
        await terminated;
    });

    it('output events carry the program\'s stdout and stderr @main', async () => {
        const out = outputStarting('stdout', 'out: dap 7\n');
        const err = outputStarting('stderr', 'err: total=10\n');
        await launch({});
        await out;
        await err;
    });

    it('a debug string is console output (Windows) @main', async function () {
        if (!/\.exe$/i.test(PROGRAM)) {
            this.skip(); // OutputDebugString is Windows's
        }
        let console = '';
        dc.on('output', (e) => {
            if (e.body.category === 'console') console += e.body.output;
        });
        const exited = dc.waitForEvent('exited');
        await launch({});
        await exited;
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(console.includes('dap: a debug string'), `console output: ${console}`);
    });

    it('launch with env and cwd: the program sees them @main', async () => {
        const dir = PROGRAM.replace(/[\\/][^\\/]*$/, '');
        const last = dir.replace(/^.*[\\/]/, '');
        let text = '';
        dc.on('output', (e) => {
            text += e.body.output.replace(/\r\n/g, '\n');
        });
        const exited = dc.waitForEvent('exited');
        // VS Code's form: an object, a null value removing an inherited variable.
        await launch({ args: ['env'], env: { RDB_DAP_ENV: 'from dap', RDB_DAP_GONE: null }, cwd: dir });
        assert.strictEqual((await exited).body.exitCode, 10);
        await new Promise((r) => setTimeout(r, 200));
        const seen = (/env: .*\n/.exec(text) || ['(no env line)'])[0].trim();
        assert.strictEqual(seen, `env: RDB_DAP_ENV=from dap RDB_DAP_GONE=(unset) dir=${last}`);
    });

    it('stopOnEntry stops with reason entry, and module events came', async () => {
        const module = dc.waitForEvent('module');
        const stopped = dc.waitForEvent('stopped');
        await launch({ stopOnEntry: true });
        assert.strictEqual((await stopped).body.reason, 'entry');
        assert.ok((await module).body.module.name.length > 0);
    });

    it('a source breakpoint is verified and hit @main', async () => {
        let verified;
        const stopped = await stopAt('add-body', {}, async () => {});
        assert.strictEqual(stopped.body.reason, 'breakpoint');
        const top = await topFrame(stopped.body.threadId);
        assert.strictEqual(top.line, line('add-body'));
        assert.ok(top.source.path.endsWith('dap.c'));
        void verified;
    });

    it('a breakpoint on a line without code moves to a line with code', async () => {
        await launch({ stopOnEntry: true }, async () => {
            const blank = line('add-return') + 2; // the blank line after add()
            const r = await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: blank }] });
            const bp = r.body.breakpoints[0];
            assert.strictEqual(bp.verified, true);
            assert.ok(bp.line > blank, `moved to ${bp.line}`);
        });
    });

    it('a condition in C syntax', async () => {
        const stopped = dc.waitForEvent('stopped');
        await launch({}, () => dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: line('add-body'), condition: 'b == 3' }] }));
        const s = await stopped;
        const top = await topFrame(s.body.threadId);
        const r = await dc.evaluateRequest({ expression: 'b', frameId: top.id, context: 'watch' });
        assert.strictEqual(r.body.result, '3');
    });

    it('a hit condition stops from that hit on', async () => {
        const stopped = dc.waitForEvent('stopped');
        await launch({}, () => dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: line('add-body'), hitCondition: '3' }] }));
        const s = await stopped;
        const top = await topFrame(s.body.threadId);
        const r = await dc.evaluateRequest({ expression: 'b', frameId: top.id, context: 'watch' });
        assert.strictEqual(r.body.result, '2');
    });

    it('a logpoint writes its message and does not stop', async () => {
        const logged = new Promise((resolve) => {
            let text = '';
            dc.on('output', (e) => {
                text += e.body.output;
                if (text.includes('add b=4')) resolve(text);
            });
        });
        const exited = dc.waitForEvent('exited');
        await launch({}, () => dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: line('add-body'), logMessage: 'add b={b}' }] }));
        const text = await logged;
        assert.ok(text.includes('add b=0') && text.includes('add b=3'), text);
        assert.strictEqual((await exited).body.exitCode, 10);
    });

    it('a function breakpoint stops with reason function breakpoint', async () => {
        const stopped = dc.waitForEvent('stopped');
        await launch({}, async () => {
            const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'bump' }] });
            assert.strictEqual(r.body.breakpoints[0].verified, true);
        });
        const s = await stopped;
        assert.strictEqual(s.body.reason, 'function breakpoint');
        assert.ok((await topFrame(s.body.threadId)).name.startsWith('bump'));
    });

    it('an instruction breakpoint stops with reason instruction breakpoint', async () => {
        await startWith('supportsInstructionBreakpoints');
        const first = await stopAt('add-body');
        const ip = (await topFrame(first.body.threadId)).instructionPointerReference;
        await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [] });
        const r = await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: ip }] });
        assert.strictEqual(r.body.breakpoints[0].verified, true);
        const s = await resumeTo(() => dc.continueRequest({ threadId: first.body.threadId }));
        assert.strictEqual(s.body.reason, 'instruction breakpoint');
        assert.strictEqual((await topFrame(s.body.threadId)).instructionPointerReference, ip);
    });

    it('a data breakpoint (write) stops with reason data breakpoint', async () => {
        await startWith('supportsDataBreakpoints');
        const first = await stopAt('after-loop');
        const top = await topFrame(first.body.threadId);
        const info = await dc.dataBreakpointInfoRequest({ name: 'watched', frameId: top.id });
        assert.ok(info.body.dataId, info.body.description);
        const r = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
        assert.strictEqual(r.body.breakpoints[0].verified, true);
        const s = await resumeTo(() => dc.continueRequest({ threadId: first.body.threadId }));
        assert.strictEqual(s.body.reason, 'data breakpoint');
        assert.ok((await topFrame(s.body.threadId)).name.startsWith('bump'));
    });

    it('an exception filter: a fault stops with reason exception, and exceptionInfo says what', async () => {
        const stopped = dc.waitForEvent('stopped');
        await launch({ args: ['crash'] }, async () => {
            // A filter for faults if the adapter has one; without, a fault the program does not handle stops anyway.
            const faults = filterFor(/fault|access violation|segv|hardware/i);
            await dc.setExceptionBreakpointsRequest({ filters: faults ? [faults.filter] : [] });
        });
        const s = await stopped;
        assert.strictEqual(s.body.reason, 'exception');
        const info = await dc.exceptionInfoRequest({ threadId: s.body.threadId });
        assert.ok(/access violation|SIGSEGV|segmentation/i.test(info.body.description), info.body.description);
        assert.strictEqual((await topFrame(s.body.threadId)).line, line('crash'));
    });

    it('the signals filter stops at a signal; off, the signal passes to the program', async () => {
        const stopped = dc.waitForEvent('stopped');
        await launch({ args: ['signal'] }, () => {
            const signals = filterFor(/signal/i);
            assert.ok(signals, `no filter for signals: ${JSON.stringify(capabilities.exceptionBreakpointFilters)}`);
            return dc.setExceptionBreakpointsRequest({ filters: [signals.filter] });
        });
        const s = await stopped;
        assert.strictEqual(s.body.reason, 'exception');
        assert.ok(/SIGUSR1/.test(s.body.description), s.body.description);
        const exited = dc.waitForEvent('exited');
        await dc.continueRequest({ threadId: s.body.threadId });
        assert.strictEqual((await exited).body.exitCode, 10, 'the program handled it and ran on');
        await stopClient();
        await startClient();
        const quiet = dc.waitForEvent('exited');
        await launch({ args: ['signal'] }, () => dc.setExceptionBreakpointsRequest({ filters: [] }));
        assert.strictEqual((await quiet).body.exitCode, 10);
    });

    it('next steps over a line: reason step @main', async () => {
        const first = await stopAt('loop-call');
        // The loop comes back to the line: without its breakpoint, the step is what stops.
        await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [] });
        const s = await resumeTo(() => dc.nextRequest({ threadId: first.body.threadId }));
        assert.strictEqual(s.body.reason, 'step');
        const top = await topFrame(s.body.threadId);
        assert.ok(top.name.startsWith('main'), `stopped in ${top.name} at line ${top.line} (${JSON.stringify(s.body)})`);
        assert.notStrictEqual(top.line, line('add-body'));
    });

    it('stepIn enters the call, stepOut returns from it', async () => {
        const first = await stopAt('loop-call');
        const tid = first.body.threadId;
        let s = await resumeTo(() => dc.stepInRequest({ threadId: tid }));
        assert.strictEqual(s.body.reason, 'step');
        let top = await topFrame(tid);
        assert.ok(top.name.startsWith('add'), top.name);
        // Past the prologue, on the body's first line, as gdb and lldb step (the console's `t` keeps WinDbg's `{`).
        assert.strictEqual(top.line, line('add-body'));
        s = await resumeTo(() => dc.stepOutRequest({ threadId: tid }));
        assert.strictEqual(s.body.reason, 'step');
        top = await topFrame(tid);
        assert.ok(top.name.startsWith('main'), top.name);
    });

    it('stepping by instruction moves one instruction', async () => {
        await startWith('supportsSteppingGranularity');
        const first = await stopAt('add-body');
        const tid = first.body.threadId;
        const before = (await topFrame(tid)).instructionPointerReference;
        assert.ok(before, 'the frame has no instructionPointerReference');
        const s = await resumeTo(() => dc.nextRequest({ threadId: tid, granularity: 'instruction' }));
        assert.strictEqual(s.body.reason, 'step');
        const after = (await topFrame(tid)).instructionPointerReference;
        assert.ok(BigInt(after) > BigInt(before) && BigInt(after) - BigInt(before) < 16n, `${before} -> ${after}`);
    });

    it('pause breaks into the running program: reason pause', async () => {
        await launch({ args: ['spin'] });
        await outputStarting('stdout', 'out: dap 7\n');
        const threads = await dc.threadsRequest();
        const s = await resumeTo(() => dc.pauseRequest({ threadId: threads.body.threads[0].id }));
        assert.strictEqual(s.body.reason, 'pause');
    });

    it('a thread of the program: its thread event, and the stop on it', async () => {
        const started = [];
        dc.on('thread', (e) => {
            if (e.body.reason === 'started') started.push(e.body.threadId);
        });
        const stopped = dc.waitForEvent('stopped');
        await launch({ args: ['thread'] }, () =>
            dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: line('worker') }] }));
        const s = await stopped;
        assert.ok(started.includes(s.body.threadId), `stopped on ${s.body.threadId}, started ${started}`);
        const threads = await dc.threadsRequest();
        assert.strictEqual(threads.body.threads.length, 2);
        const st = await dc.stackTraceRequest({ threadId: s.body.threadId });
        assert.ok(st.body.stackFrames[0].name.startsWith('worker'), st.body.stackFrames[0].name);
        const main = threads.body.threads.find((t) => t.id !== s.body.threadId);
        const other = await dc.stackTraceRequest({ threadId: main.id });
        assert.ok(other.body.stackFrames.some((f) => f.name.startsWith('main')), 'the main thread waits in main');
    });

    it('threads lists the stopped thread', async () => {
        const s = await stopAt('add-body');
        const threads = await dc.threadsRequest();
        assert.ok(threads.body.threads.some((t) => t.id === s.body.threadId));
    });

    it('stackTrace pages, with names, sources, lines, instruction pointers and modules @main', async () => {
        const s = await stopAt('add-body');
        const tid = s.body.threadId;
        const all = await dc.stackTraceRequest({ threadId: tid });
        assert.ok(all.body.stackFrames.length >= 2);
        const page = await dc.stackTraceRequest({ threadId: tid, startFrame: 1, levels: 1 });
        assert.strictEqual(page.body.stackFrames.length, 1);
        const main = page.body.stackFrames[0];
        assert.ok(main.name.startsWith('main'), main.name);
        assert.strictEqual(main.line, line('loop-call'));
        assert.ok(/^0x[0-9a-f]+$/.test(main.instructionPointerReference));
        assert.ok(main.moduleId !== undefined);
        assert.ok(page.body.totalFrames >= 2);
    });

    it('scopes: Locals, Arguments, Registers', async () => {
        const s = await stopAt('add-body');
        const top = await topFrame(s.body.threadId);
        const scopes = (await dc.scopesRequest({ frameId: top.id })).body.scopes;
        const names = JSON.stringify(scopes.map((x) => x.name));
        const [locals, args, regs] = ['locals', 'arguments', 'registers'].map((k) => scopeOf(scopes, k));
        assert.ok(locals && regs, `scopes ${names}: locals and registers wanted`);
        // The arguments in a scope of their own, or among the locals.
        const argVars = await dc.variablesRequest({ variablesReference: (args || locals).variablesReference });
        const argNames = argVars.body.variables.map((v) => v.name);
        assert.ok(argNames.includes('a') && argNames.includes('b'), `arguments ${JSON.stringify(argNames)} in ${names}`);
        if (args) assert.deepStrictEqual(argNames, ['a', 'b']);
        const regVars = await dc.variablesRequest({ variablesReference: regs.variablesReference });
        // Registers flat, or in groups (lldb's "General Purpose Registers").
        let all = regVars.body.variables;
        if (!all.some((v) => v.name === 'rip')) {
            for (const group of all.filter((v) => v.variablesReference > 0)) {
                all = all.concat((await dc.variablesRequest({ variablesReference: group.variablesReference })).body.variables);
            }
        }
        assert.ok(all.some((v) => v.name === 'rip' && /^0x/.test(v.value)), 'rip in hex among the registers');
    });

    it('variables: a struct\'s members and a string, with memory references @main', async () => {
        const s = await stopAt('print');
        const top = await topFrame(s.body.threadId);
        const locals = await localsOf(top.id);
        const origin = locals.find((v) => v.name === 'origin');
        assert.ok(origin.variablesReference > 0 && origin.memoryReference);
        const members = await dc.variablesRequest({ variablesReference: origin.variablesReference });
        assert.deepStrictEqual(members.body.variables.map((v) => `${v.name}=${v.value}`), ['x=3', 'y=4']);
        const label = locals.find((v) => v.name === 'label');
        assert.ok(label.value.includes('"dap"'), label.value);
    });

    it('variables pages a 10,000-element array', async () => {
        const s = await stopAt('print');
        const top = await topFrame(s.body.threadId);
        const r = await dc.evaluateRequest({ expression: 'big', frameId: top.id, context: 'watch' });
        assert.strictEqual(r.body.indexedVariables, 10000);
        const page = await dc.variablesRequest({ variablesReference: r.body.variablesReference, filter: 'indexed', start: 5000, count: 10 });
        assert.strictEqual(page.body.variables.length, 10);
        assert.strictEqual(page.body.variables[0].value, '10000');
    });

    it('setVariable changes a local', async () => {
        const s = await stopAt('add-body');
        const top = await topFrame(s.body.threadId);
        const scopes = await dc.scopesRequest({ frameId: top.id });
        const args = (scopeOf(scopes.body.scopes, 'arguments') || scopeOf(scopes.body.scopes, 'locals')).variablesReference;
        const r = await dc.setVariableRequest({ variablesReference: args, name: 'b', value: '41' });
        assert.strictEqual(r.body.value, '41');
        const e = await dc.evaluateRequest({ expression: 'a + b', frameId: top.id, context: 'watch' });
        assert.strictEqual(e.body.result, '41');
    });

    it('evaluate: watch and hover in C syntax', async () => {
        const s = await stopAt('print');
        const top = await topFrame(s.body.threadId);
        const w = await dc.evaluateRequest({ expression: 'origin.x + origin.y', frameId: top.id, context: 'watch' });
        assert.strictEqual(w.body.result, '7');
        const h = await dc.evaluateRequest({ expression: 'big[9999]', frameId: top.id, context: 'hover' });
        assert.strictEqual(h.body.result, '19998');
    });

    it('evaluate in the repl runs an rdb console command @rdb', async () => {
        await stopAt('add-body');
        const r = await dc.evaluateRequest({ expression: 'lm', context: 'repl' });
        assert.ok(/dap/.test(r.body.result) && /libc/.test(r.body.result), r.body.result);
    });

    it('readMemory and writeMemory', async () => {
        await startWith('supportsReadMemoryRequest', 'supportsWriteMemoryRequest');
        const s = await stopAt('add-body');
        const top = await topFrame(s.body.threadId);
        const w = await dc.evaluateRequest({ expression: 'watched', frameId: top.id, context: 'watch' });
        const ref = w.body.memoryReference;
        assert.ok(ref);
        await dc.customRequest('writeMemory', { memoryReference: ref, data: Buffer.from([0x2a, 0, 0, 0]).toString('base64') });
        const r = await dc.customRequest('readMemory', { memoryReference: ref, count: 4 });
        assert.deepStrictEqual([...Buffer.from(r.body.data, 'base64')], [0x2a, 0, 0, 0]);
        const e = await dc.evaluateRequest({ expression: 'watched', frameId: top.id, context: 'watch' });
        assert.strictEqual(e.body.result, '42');
    });

    it('disassemble around the pc, negative offset included', async () => {
        await startWith('supportsDisassembleRequest');
        const s = await stopAt('add-body');
        const ip = (await topFrame(s.body.threadId)).instructionPointerReference;
        const r = await dc.disassembleRequest({ memoryReference: ip, instructionOffset: -3, instructionCount: 8, resolveSymbols: true });
        const ins = r.body.instructions;
        assert.strictEqual(ins.length, 8);
        assert.strictEqual(BigInt(ins[3].address), BigInt(ip));
        assert.ok(ins[3].instruction.length > 0);
    });

    it('modules and loadedSources', async () => {
        const s = await stopAt('add-body');
        const m = await dc.modulesRequest({});
        const top = await topFrame(s.body.threadId);
        const own = m.body.modules.find((x) => x.id === top.moduleId);
        assert.ok(own && own.name === 'dap', `frame's module ${top.moduleId}`);
        assert.ok(m.body.modules.some((x) => x.name === 'dap'), JSON.stringify(m.body.modules.map((x) => x.name)));
        assert.ok(m.body.modules.some((x) => /libc/.test(x.name)));
        const l = await dc.customRequest('loadedSources', {});
        assert.ok(l.body.sources.some((x) => (x.path || '').endsWith('dap.c')));
    });

    it('restart runs the program again to the breakpoint', async () => {
        await startWith('supportsRestartRequest');
        const first = await stopAt('add-body');
        void first;
        const again = dc.waitForEvent('stopped');
        const continued = dc.waitForEvent('continued');
        await dc.customRequest('restart', {});
        await continued;
        const s = await again;
        assert.strictEqual(s.body.reason, 'breakpoint');
        const top = await topFrame(s.body.threadId);
        const e = await dc.evaluateRequest({ expression: 'b', frameId: top.id, context: 'watch' });
        assert.strictEqual(e.body.result, '0');
    });

    it('terminate ends the debuggee: terminated', async () => {
        await startWith('supportsTerminateRequest');
        await stopAt('add-body');
        const terminated = dc.waitForEvent('terminated');
        await dc.terminateRequest({});
        await terminated;
    });

    it('attach to a running process, pause it, detach', async () => {
        const child = cp.spawn(PROGRAM, ['spin'], { stdio: 'ignore' });
        try {
            await new Promise((r) => setTimeout(r, 200));
            await dc.initializeRequest({ adapterID: 'rdb' });
            const initialized = dc.waitForEvent('initialized');
            await dc.attachRequest({ pid: child.pid });
            await initialized;
            await dc.configurationDoneRequest();
            const threads = await dc.threadsRequest();
            assert.ok(threads.body.threads.length >= 1);
            const s = await resumeTo(() => dc.pauseRequest({ threadId: threads.body.threads[0].id }));
            assert.strictEqual(s.body.reason, 'pause');
            await dc.disconnectRequest({ terminateDebuggee: false });
            await new Promise((r) => setTimeout(r, 200));
            assert.strictEqual(child.exitCode, null, 'the detached process runs on');
        } finally {
            child.kill('SIGKILL');
        }
    });

    it('disconnect with detach: the program runs on, its output kept in a file rdb names @rdb', async () => {
        let text = '';
        dc.on('output', (e) => {
            text += e.body.output;
        });
        await launch({ args: ['spin'] });
        await outputStarting('stdout', 'out: dap 7\n');
        const threads = await dc.threadsRequest();
        const s = await resumeTo(() => dc.pauseRequest({ threadId: threads.body.threads[0].id }));
        const top = await topFrame(s.body.threadId);
        // Let the loop end: once detached, the program prints `out: spun` and exits.
        const spinning = await dc.evaluateRequest({ expression: 'spinning', frameId: top.id, context: 'watch' });
        await dc.customRequest('writeMemory', { memoryReference: spinning.body.memoryReference, data: Buffer.from([0, 0, 0, 0]).toString('base64') });
        await dc.disconnectRequest({ terminateDebuggee: false });
        const m = /output goes on to (.*) and its errors to (.*)\n/.exec(text);
        assert.ok(m, text);
        let kept = '';
        for (let i = 0; i < 50 && !kept.includes('out: spun'); i++) {
            await new Promise((r) => setTimeout(r, 100));
            kept = fs.readFileSync(m[1], 'utf8');
        }
        assert.strictEqual(kept, 'out: dap 7\nout: spun\n');
        fs.rmSync(m[1], { force: true });
        fs.rmSync(m[2], { force: true });
    });

    it('an unknown request or argument is an error naming it, and the session goes on', async () => {
        await dc.initializeRequest({ adapterID: 'rdb' });
        const unanswered = new Promise((_, reject) => setTimeout(() => reject(new Error('no answer to an unknown request in 5 s')), 5000));
        await assert.rejects(Promise.race([dc.customRequest('frobnicate', {}), unanswered]), /frobnicate/);
        await assert.rejects(dc.launchRequest({ program: PROGRAM, bogusArgument: 1 }), /bogusArgument/);
        const threads = await dc.threadsRequest();
        assert.deepStrictEqual(threads.body.threads, []);
    });
});
