"""The rdb package against the C debuggees of tests/debuggees: what a script does with it, checked against the
programs' own sources and /proc."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import rdb
from conftest import ROOT, line_of, proc_state, wait_until


def test_launch_stops_at_the_initial_breakpoint_and_runs_to_the_exit_code(debuggee):
    d = rdb.launch(debuggee("hello"))
    assert d.alive and proc_state(d.pid) is not None
    assert d.modules[0].name == "hello" and d.modules[0].path == debuggee("hello")
    stop = d.run()
    assert stop.reason == "exit" and stop.exit_code == 3, stop
    assert not d.alive


def test_a_handler_runs_at_every_hit_with_the_registers_of_the_thread_that_hit(debuggee):
    d = rdb.launch(debuggee("hello"))
    seen = []
    bp = d.bp("hello!tick", handler=lambda dbg, ev: seen.append((ev.id, ev.tid == dbg.thread, dbg.regs["rdi"])))
    stop = d.run()
    assert stop.exit_code == 3
    assert seen == [(bp.id, True, i) for i in range(5)]
    assert d.breakpoints[0].hits == 5


def test_handlers_on_threads_run_once_per_hit_whatever_they_ask(debuggee):
    """Four threads call work_item three times each. One handler reads only its thread's registers (the engine's
    lazy path: no all-stop); the other also asks for the stack and the threads (every thread stopped first)."""
    d = rdb.launch(debuggee("threads"))
    light, heavy = [], []
    d.bp("threads!work_item", handler=lambda dbg, ev: light.append((ev.tid, dbg.regs["rdi"], dbg.regs["rsi"])))

    def full(dbg, ev):
        # Threads that are done exit meanwhile: the list holds the hitting one and main at least.
        tids = [t.tid for t in dbg.threads]
        heavy.append((dbg.stack()[1].function, ev.tid in tids and d.pid in tids, dbg.regs["rsi"]))

    d.bp("threads!work_item", handler=full)
    assert d.run().exit_code == 0
    assert sorted((id, n) for _, id, n in light) == [(id, n) for id in range(4) for n in range(3)]
    assert len({tid for tid, _, _ in light}) == 4
    assert sorted(heavy) == sorted(("worker", True, n) for _ in range(4) for n in range(3))
    assert [b.hits for b in d.breakpoints] == [12, 12]


def test_run_and_command_wait_for_the_handler_to_return(debuggee):
    d = rdb.launch(debuggee("hello"))
    errors = []

    def handler(dbg, ev):
        for call in (dbg.run, lambda: dbg.command("g"), dbg.kill, dbg.detach):
            try:
                call()
            except rdb.Error as e:
                errors.append(str(e))
        return rdb.STOP

    d.bp("hello!tick", handler=handler)
    assert d.run().reason == "breakpoint"
    assert len(errors) == 4 and all("not inside a handler" in e for e in errors), errors
    assert d.command("? @rdi") == "Evaluate expression: 0 = 00000000`00000000"


def test_a_condition_filters_hits_in_masm_and_cxx(debuggee):
    d = rdb.launch(debuggee("hello"))
    masm, cxx = [], []
    d.bp("hello!tick", condition="@rdi == 0n3", handler=lambda dbg, ev: masm.append(dbg.regs["rdi"]))
    d.bp("`hello.c:%d`" % line_of("hello", "tick-body"), condition="i >= 2",
         handler=lambda dbg, ev: cxx.append(dbg.stack()[0].locals()["i"]))
    assert d.run().exit_code == 3
    assert masm == [3]
    assert cxx == [2, 3, 4]
    assert d.breakpoints[0].condition == "@rdi == 0n3"


def test_stop_from_a_handler_stops_run_where_it_hit(debuggee):
    d = rdb.launch(debuggee("hello"))
    bp = d.bp("hello!tick", handler=lambda dbg, ev: rdb.STOP if dbg.regs["rdi"] == 2 else None)
    stop = d.run()
    assert stop.reason == "breakpoint" and stop.breakpoints == [bp.id]
    assert d.regs["rdi"] == 2 and d.regs["rip"] == d.eval("hello!tick")
    frame = d.stack()[0]
    assert (frame.function, frame.module) == ("tick", "hello")


def test_a_breakpoint_without_handler_stops_and_stack_frames_name_file_and_line(debuggee):
    d = rdb.launch(debuggee("hello"))
    bp = d.bp(d.eval("hello!add"))
    assert bp.location == hex(d.eval("hello!add")) and bp.addresses == [d.eval("hello!add")]
    stop = d.run()
    assert stop.reason == "breakpoint"
    frames = d.stack()
    assert [f.function for f in frames[:4]] == ["add", "middle", "outer", "main"]
    assert all(f.module == "hello" for f in frames[:4])
    assert all(Path(f.file).name == "hello.c" for f in frames[:4])
    assert [f.line for f in frames[:4]] == [line_of("hello", m) for m in ("add", "middle", "outer", "main-call")]
    assert frames[0].locals() == {"a": 1, "b": 2}


def test_registers_are_written_and_the_program_sees_it(debuggee):
    d = rdb.launch(debuggee("hello"))
    d.bp("hello!add")
    d.run()
    d.regs["rdi"] = 40
    assert d.regs["rdi"] == 40 and d.regs["edi"] == 40
    d.breakpoints[0].remove()
    assert d.breakpoints == []
    # add(40, 2) returns 42, which main returns.
    assert d.run().exit_code == 42
    with pytest.raises(KeyError):
        rdb.launch(debuggee("hello")).regs["nosuch"]


def test_memory_is_read_and_written(debuggee):
    d = rdb.launch(debuggee("hello"))
    message = d.eval("hello!message")
    assert d.read(message, 12) == b"Hello, rdb!\0"
    d.write(message, b"J")
    assert d.read(message, 5) == b"Jello"
    counter = d.eval("hello!counter")
    d.bp("hello!add")
    d.run()
    assert int.from_bytes(d.read(counter, 4), "little") == 0 + 1 + 2 + 3 + 4
    with pytest.raises(rdb.Error, match="Memory access error"):
        d.read(0x10, 4)
    with pytest.raises(rdb.Error, match="Memory access error"):
        d.write(0x10, b"x")


def test_locals_are_python_values(debuggee):
    d = rdb.launch(debuggee("vars"))
    d.bp("`vars.c:%d`" % line_of("vars", "bottom"))
    d.run()
    frame = d.stack()[0]
    assert frame.function == "walk"
    values = frame.locals()
    assert values["depth"] == 0 and values["doubled"] == 0
    assert values["label"] == "label"
    assert values["buf"] == "deep"
    assert values["ratio"] == 1.5 and isinstance(values["ratio"], float)
    assert values["n"] == 42 and values["c"] == 5
    f = values["f"]
    assert (f.ready, f.level, f.rest) == (1, 5, -3) and f["level"] == 5 and f.type_name == "struct flags"
    main = next(f for f in d.stack() if f.function == "main").locals()
    assert (main["pt"].x, main["pt"].y) == (3, 4)
    assert main["letter"] == ord("q") and main["small"] == 65535
    assert main["big"] == -1234567890123 and main["half"] == 0.5
    assert values["p"] == d.eval("@@c++(&pt)") if False else isinstance(values["p"], int)


def test_arrays_are_lists(debuggee):
    d = rdb.launch(debuggee("arrays"))
    d.bp("arrays!show")
    d.run()
    main = d.stack()[1].locals()
    assert main["primes"] == [2, 3, 5, 7, 11]
    assert [(p.x, p.y) for p in main["corners"]] == [(0, 0), (4, 3)]
    assert main["halves"] == [0.5, 1.5, 2.5]


def test_library_containers_are_python_containers(debuggee):
    d = rdb.launch(debuggee("cxxvars"))
    d.bp("`cxxvars.cc:%d`" % line_of("cxxvars", "call", ext="cc"))
    d.run()
    main = d.stack()[0].locals()
    assert main["sides"] == [3, 4, 3, 4]
    assert main["name"] == "rectangle"


def test_libstdcxx_containers_are_python_containers(debuggee):
    d = rdb.launch(debuggee("cxx_std"))
    d.bp("`cxx_std.cc:%d`" % line_of("cxx_std", "show", ext="cc"))
    d.run()
    main = d.stack()[0].locals()
    assert main["text"] == "a string longer than fifteen characters"
    assert main["nums"] == [3, 1, 4, 1, 5] and main["flags"] == [True, False, True, True]
    assert main["ages"] == {"alice": 31, "bob": 42, "carol": 27}
    assert main["counts"] == {"red": 1, "green": 2}
    assert main["primes"] == [2, 3, 5, 7] and main["repeats"] == [1, 4, 4]
    assert sorted(main["seen"]) == [10, 20, 30] and main["queue"] == [9, 8, 7]
    window = main["window"]
    assert len(window) == 300 and window[200] == 200
    assert len(main["big"]) == 10000 and main["big"][5000] == 15000


def test_rust_values_are_python_values(debuggee):
    d = rdb.launch(debuggee("rust_values"))
    d.bp("`rust_values.rs:%d`" % line_of("rust_values", "stop", ext="rs"))
    d.run()
    main = d.stack()[0].locals()
    assert main["text"] == "hello, world" and main["numbers"] == [10, 20, 30]
    assert main["map"] == {"one": 1, "two": 2, "three": 3}
    # Empty containers keep their kind.
    assert main["empty_vec"] == [] and main["empty_map"] == {}
    assert len(main["big"]) == 10000
    # An enum is its variant's struct, named; a tuple a tuple; a char a one-character string.
    assert main["some_int"].variant == "Some" and main["some_int"]["0"] == 7
    assert main["no_int"].variant == "None" and main["no_int"].fields == {}
    assert main["err"].variant == "Err" and main["err"]["0"] == "BAD"
    assert main["circle"].variant == "Circle" and main["circle"].radius == 2.5
    assert main["rect"].variant == "Rect" and (main["rect"]["0"], main["rect"]["1"]) == (3, 4)
    assert main["tuple"] == (1, 2.5)
    assert main["letter"] == "a" and main["accented"] == "\u00e9"
    assert main["point"].variant is None and (main["point"].x, main["point"].y) == (3, -4)
    d.kill()


def test_modules_threads_and_events(debuggee):
    d = rdb.launch(debuggee("threads"))
    created, exited, loaded = [], [], []
    d.on("thread_created", lambda dbg, ev: created.append(ev.tid))
    d.on("thread_exited", lambda dbg, ev: exited.append(ev.tid))
    d.on("module_loaded", lambda dbg, ev: loaded.append(ev.path))
    d.bp("threads!worker")
    stop = d.run()
    assert stop.reason == "breakpoint"
    threads = d.threads
    assert len(threads) == 5 and [t.index for t in threads] == list(range(5))
    assert sorted(created) == sorted(t.tid for t in threads[1:])
    assert all(t.regs["rip"] for t in threads)
    assert d.regs["rip"] == d.eval("threads!worker")
    assert any(m.name == "libc" for m in d.modules)
    d.clear_breakpoints()
    assert d.run().exit_code == 0
    assert sorted(exited) == sorted(created)
    with pytest.raises(rdb.Error, match="no event 'nosuch'"):
        d.on("nosuch", print)


def test_a_module_loaded_at_run_time_is_an_event(debuggee):
    plugin = debuggee("plugin")
    d = rdb.launch(debuggee("dlopen"), args=[plugin])
    loaded, unloaded = [], []
    d.on("module_loaded", lambda dbg, ev: loaded.append(ev.path))
    d.on("module_unloaded", lambda dbg, ev: unloaded.append(ev.path))
    assert d.run().exit_code == 0
    assert loaded == [plugin] and unloaded == [plugin]


def test_an_exception_stops_run(debuggee):
    d = rdb.launch(debuggee("divzero"))
    stop = d.run()
    assert stop.reason == "exception" and stop.exception == "IntegerDivideByZero", stop
    assert d.stack()[0].function == "divide"
    assert stop.address == d.regs["rip"]


def test_command_runs_the_console(debuggee):
    d = rdb.launch(debuggee("hello"))
    d.bp("hello!add")
    d.run()
    text = d.command("k")
    assert "hello!add" in text and "hello!middle" in text and "hello.c @ %d" % line_of("hello", "add") in text
    assert "Breakpoints of a Python script:" in d.command("bl")
    assert d.command("? @rdi") == "Evaluate expression: 1 = 00000000`00000001"


def test_kill_ends_the_process(debuggee):
    d = rdb.launch(debuggee("loop"))
    pid = d.pid
    d.kill()
    assert wait_until(lambda: proc_state(pid) is None)
    assert not d.alive
    with pytest.raises(rdb.Error, match="No runnable debuggees"):
        d.run()


def test_detach_lets_the_process_run_on_untraced(debuggee):
    d = rdb.launch(debuggee("loop"), args=["20"])
    pid = d.pid
    d.bp("loop!spin_once")
    d.run()
    d.detach()
    try:
        assert wait_until(lambda: proc_state(pid) is not None and proc_state(pid)[1] == 0)
        spins = None
        # It runs on: its state is running or sleeping, never stopped by a tracer.
        assert proc_state(pid)[0] in ("R", "S")
    finally:
        os.kill(pid, signal.SIGKILL)


def test_attach_to_a_running_process(debuggee):
    child = subprocess.Popen([debuggee("loop"), "20"], stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline().startswith(b"pid")
        d = rdb.attach(child.pid)
        assert proc_state(child.pid)[1] != 0
        hits = []
        d.bp("loop!spin_once", handler=lambda dbg, ev: rdb.STOP if len(hits) == 2 else hits.append(1))
        assert d.run().reason == "breakpoint" and len(hits) == 2
        d.detach()
        assert wait_until(lambda: proc_state(child.pid)[1] == 0)
    finally:
        child.kill()
        child.wait()


def test_bad_input_raises_rdb_error_with_the_consoles_line(debuggee, tmp_path):
    with pytest.raises(rdb.Error):
        rdb.launch(str(tmp_path / "missing"))
    d = rdb.launch(debuggee("hello"))
    with pytest.raises(rdb.Error, match="Couldn't resolve error at 'hello!nosuch'"):
        d.bp("hello!nosuch")
    with pytest.raises(rdb.Error, match="bad line number"):
        d.bp("`hello.c:x`")
    with pytest.raises(rdb.Error):
        d.eval("hello!nosuch")
    with pytest.raises(rdb.Error, match="Bad access"):
        d.bp_hw("hello!counter", access="q")


def test_an_exception_in_a_handler_stops_run_and_propagates(debuggee):
    d = rdb.launch(debuggee("hello"))

    def handler(dbg, ev):
        if dbg.regs["rdi"] == 1:
            raise ValueError("from the handler")

    d.bp("hello!tick", handler=handler)
    with pytest.raises(ValueError, match="from the handler"):
        d.run()
    assert d.alive and d.regs["rdi"] == 1 and d.regs["rip"] == d.eval("hello!tick")


def test_ctrl_c_breaks_in(debuggee):
    d = rdb.launch(debuggee("loop"), args=["20"])
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        d.run()
    timer.join()
    assert d.alive
    assert proc_state(d.pid)[0] == "t", "stopped under the tracer"
    assert any(f.function == "main" for f in d.stack())
    d.kill()


def test_hardware_and_memory_breakpoints(debuggee):
    d = rdb.launch(debuggee("hello"))
    writes = []
    d.bp_hw("hello!counter", access="w", size=4,
            handler=lambda dbg, ev: writes.append(int.from_bytes(dbg.read(dbg.eval("hello!counter"), 4), "little")))
    assert d.run().exit_code == 3
    # tick(0) writes 0 over 0: a write all the same.
    assert writes == [0, 1, 3, 6, 10], writes
    d = rdb.launch(debuggee("hello"))
    bp = d.bp_mem("hello!counter", 4, access="w")
    stop = d.run()
    assert stop.reason == "breakpoint" and stop.breakpoints == [bp.id]
    assert d.stack()[0].function == "tick"


def test_the_example_script_runs(debuggee):
    script = ROOT / "crates" / "rdb-python" / "examples" / "my_debugger.py"
    out = subprocess.run([sys.executable, str(script), debuggee("hello")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "[*] func_resolve(hello!add)" in out.stdout
    assert "[*] soft breakpoint at add: rdi=0x1 rsi=0x2" in out.stdout
    assert "[*] hardware breakpoint: counter written" in out.stdout
    assert "[*] memory breakpoint" in out.stdout
    assert "[*] exited with 3" in out.stdout
