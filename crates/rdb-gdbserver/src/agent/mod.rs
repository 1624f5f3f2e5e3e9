//! gdb's agent expressions (the bytecode `Z0` packets carry as a breakpoint's condition).
