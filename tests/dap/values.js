// Library values and C++ throws through DAP, driven by Microsoft's DAP test client: Rust's Vec, HashMap, String and
// Option on tests/debuggees/rust_values.rs, libstdc++'s vector and map and a polymorphic pointer on
// tests/debuggees/cxx_std.cc, and the C++ throw exception filter on tests/debuggees/throws.cc. Run by
// `crates/rdb/tests/dap.rs` against `rdb --dap`.
//
// Environment: DAP_ADAPTER, DAP_ADAPTER_ARG (as for scenarios.js); DAP_RUST_VALUES, DAP_CXX_STD, DAP_THROWS (the
// built programs) and DAP_SOURCES (the directory of their sources, whose `@name` markers give the lines).

'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const ADAPTER = process.env.DAP_ADAPTER;
const ADAPTER_ARG = process.env.DAP_ADAPTER_ARG || '--dap';
const SOURCES = process.env.DAP_SOURCES;
const TIMEOUT = 20000;

/** The 1-based line of `source` (a file of DAP_SOURCES) holding `@name`. */
function line(source, name) {
    const lines = fs.readFileSync(path.join(SOURCES, source), 'utf8').split('\n');
    const i = lines.findIndex((l) => new RegExp(`@${name}\\b`).test(l));
    if (i < 0) throw new Error(`no @${name} in ${source}`);
    return i + 1;
}

let dc;

/** Launch `program` with a breakpoint at `@name` of `source`; the stopped thread's top frame id. */
async function stopAt(program, source, name) {
    await dc.initializeRequest({ adapterID: 'rdb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = dc.waitForEvent('initialized');
    await dc.launchRequest({ program, args: [] });
    await initialized;
    await dc.setBreakpointsRequest({ source: { path: path.join(SOURCES, source) }, breakpoints: [{ line: line(source, name) }] });
    const stopped = dc.waitForEvent('stopped');
    await dc.configurationDoneRequest();
    const s = await stopped;
    const st = await dc.stackTraceRequest({ threadId: s.body.threadId, startFrame: 0, levels: 1 });
    return st.body.stackFrames[0].id;
}

/** The frame's locals by name (the scope the adapter marks `locals`, or named so). */
async function locals(frameId) {
    const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
    const scope = scopes.find((s) => s.presentationHint === 'locals') || scopes.find((s) => /local/i.test(s.name));
    const vars = (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
    return new Map(vars.map((v) => [v.name, v]));
}

async function children(v, more) {
    assert.ok(v.variablesReference > 0, `${v.name} = ${v.value} has no children`);
    return (await dc.variablesRequest(Object.assign({ variablesReference: v.variablesReference }, more))).body.variables;
}

describe('rdb DAP: library values and C++ throws', function () {
    this.timeout(TIMEOUT * 2);
    beforeEach(async () => {
        dc = new DebugClient(ADAPTER, ADAPTER_ARG, 'rdb', { stdio: ['pipe', 'pipe', 'pipe'] });
        dc.defaultTimeout = TIMEOUT;
        await dc.start();
    });
    afterEach(async () => {
        await Promise.race([dc.stop().catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
    });

    it('Rust: a Vec of 10,000 is indexed and pages by start and count', async () => {
        const vars = await locals(await stopAt(process.env.DAP_RUST_VALUES, 'rust_values.rs', 'stop'));
        const big = vars.get('big');
        assert.strictEqual(big.indexedVariables, 10000, JSON.stringify(big));
        assert.ok(/10000/.test(big.value), big.value);
        const page = await children(big, { filter: 'indexed', start: 5000, count: 10 });
        assert.deepStrictEqual(page.map((v) => `${v.name}=${v.value}`).slice(0, 2), ['[5000]=15000', '[5001]=15003']);
        assert.strictEqual(page.length, 10);
    });

    it('Rust: a HashMap shows its entries by key, a String its text, an Option as Some(7)', async () => {
        const vars = await locals(await stopAt(process.env.DAP_RUST_VALUES, 'rust_values.rs', 'stop'));
        const map = vars.get('map');
        const entries = await children(map);
        const shown = entries.map((v) => `${v.name}=${v.value}`).sort();
        assert.deepStrictEqual(shown, ['["one"]=1', '["three"]=3', '["two"]=2'], JSON.stringify(entries));
        assert.strictEqual(vars.get('text').value, '"hello, world"');
        assert.strictEqual(vars.get('some_int').value, 'Some(7)');
        assert.strictEqual(vars.get('no_int').value, 'None');
    });

    it('C++: a std::vector is indexed, a std::map shows its entries by key', async () => {
        const vars = await locals(await stopAt(process.env.DAP_CXX_STD, 'cxx_std.cc', 'show'));
        const big = vars.get('big');
        assert.strictEqual(big.indexedVariables, 10000, JSON.stringify(big));
        const page = await children(big, { filter: 'indexed', start: 5000, count: 3 });
        assert.deepStrictEqual(page.map((v) => `${v.name}=${v.value}`), ['[5000]=15000', '[5001]=15003', '[5002]=15006']);
        const nums = await children(vars.get('nums'));
        assert.deepStrictEqual(nums.map((v) => v.value), ['3', '1', '4', '1', '5']);
        const ages = await children(vars.get('ages'));
        assert.deepStrictEqual(ages.map((v) => `${v.name}=${v.value}`), ['["alice"]=31', '["bob"]=42', '["carol"]=27'], JSON.stringify(ages));
    });

    it('C++: a pointer to a base shows the dynamic type of what it points to', async () => {
        const vars = await locals(await stopAt(process.env.DAP_CXX_STD, 'cxx_std.cc', 'show'));
        const sp = vars.get('sp');
        assert.strictEqual(sp.type, 'Circle *', JSON.stringify(sp));
        // The pointer's children are the Circle's: its Shape part and its own radius.
        let inside = await children(sp);
        if (inside.length === 1 && inside[0].variablesReference > 0 && !/radius/.test(inside[0].name)) inside = await children(inside[0]);
        const text = inside.map((v) => `${v.name}=${v.value}`);
        assert.ok(text.includes('radius=2.5'), JSON.stringify(text));
    });

    it('C++: the throw filter stops at the throw with reason exception; exceptionInfo names the type', async () => {
        const init = await dc.initializeRequest({ adapterID: 'rdb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
        // The adapter's filter for C++ throws, found by what it says it is.
        const thrown = init.body.exceptionBreakpointFilters.find((f) => /throw/i.test(`${f.filter} ${f.label}`) && /c\+\+|cxx|cpp/i.test(`${f.filter} ${f.label}`));
        assert.ok(thrown, JSON.stringify(init.body.exceptionBreakpointFilters));
        const initialized = dc.waitForEvent('initialized');
        await dc.launchRequest({ program: process.env.DAP_THROWS, args: [] });
        await initialized;
        await dc.setExceptionBreakpointsRequest({ filters: [thrown.filter] });
        const stopped = dc.waitForEvent('stopped');
        await dc.configurationDoneRequest();
        const s = await stopped;
        assert.strictEqual(s.body.reason, 'exception');
        const info = await dc.exceptionInfoRequest({ threadId: s.body.threadId });
        assert.ok(/std::runtime_error/.test(info.body.details.typeName), JSON.stringify(info.body));
        assert.ok(/C\+\+/.test(info.body.description), info.body.description);
        // Stopped as the runtime starts to throw: the thrower's frame is at the throw.
        const st = await dc.stackTraceRequest({ threadId: s.body.threadId, startFrame: 0, levels: 5 });
        const thrower = st.body.stackFrames.find((f) => f.name.startsWith('raise_it'));
        assert.ok(thrower, JSON.stringify(st.body.stackFrames.map((f) => f.name)));
        assert.strictEqual(thrower.line, line('throws.cc', 'throw_odd'));
        const next = dc.waitForEvent('stopped');
        await dc.continueRequest({ threadId: s.body.threadId });
        const again = await next;
        const info2 = await dc.exceptionInfoRequest({ threadId: again.body.threadId });
        assert.strictEqual(info2.body.details.typeName, 'int', JSON.stringify(info2.body));
    });
});
