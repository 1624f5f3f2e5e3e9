"""my_debugger.py, the book's Windows debugger in Python (Gray Hat Python, chapter 3), on rdb: the same features,
each a line or two, on Linux. Usage: python my_debugger.py <program built with -g, e.g. tests/debuggees/hello>

  func_resolve   the address of a function in a module          d.eval("module!function")
  bp_set         a soft breakpoint (int3) with a handler        d.bp(address, handler=...)
  bp_set_hw      a hardware breakpoint (a debug register)       d.bp_hw(address, access="w", size=4)
  bp_set_mem     a memory breakpoint (guard pages)              d.bp_mem(address, size, access="w")
  enumerate_threads / get_thread_context                        d.threads, thread.regs
  read_process_memory / write_process_memory                    d.read(address, n), d.write(address, data)
"""

import sys

import rdb


def main(program):
    d = rdb.launch(program)
    print(f"[*] launched {program}: pid {d.pid}")

    # func_resolve: a symbol's address, as the console's `? module!name` gives it.
    add = d.eval("hello!add")
    counter = d.eval("hello!counter")
    print(f"[*] func_resolve(hello!add) = {add:#x}")

    # enumerate_threads and get_thread_context: every thread and its registers.
    for thread in d.threads:
        regs = thread.regs
        print(f"[*] thread {thread.tid}: rip={regs['rip']:#x} rsp={regs['rsp']:#x}")

    # read_process_memory: the program's own bytes (rdb's int3s never show).
    print(f"[*] message: {d.read(d.eval('hello!message'), 11).decode()}")

    # bp_set: a soft breakpoint; the handler sees the registers of the thread that hit.
    def soft(dbg, event):
        print(f"[*] soft breakpoint at add: rdi={dbg.regs['rdi']:#x} rsi={dbg.regs['rsi']:#x}")

    d.bp(add, handler=soft)

    # bp_set_hw: a debug register watching writes to the 4 bytes of `counter`.
    def hardware(dbg, event):
        value = int.from_bytes(dbg.read(counter, 4), "little")
        print(f"[*] hardware breakpoint: counter written, now {value}, by {dbg.stack()[0].function}")

    d.bp_hw(counter, access="w", size=4, handler=hardware)

    stop = d.run()
    print(f"[*] exited with {stop.exit_code}")

    # bp_set_mem: guard pages over counter, on a second run of the program; it stops (no handler).
    d = rdb.launch(program)
    d.bp_mem("hello!counter", 4, access="w")
    stop = d.run()
    frame = d.stack()[0]
    print(f"[*] memory breakpoint: {stop.reason} in {frame.function} at {frame.file}:{frame.line}")
    d.kill()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
