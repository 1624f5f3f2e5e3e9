//! x86-64 disassembly with iced-x86, in WinDbg's MASM syntax, with call and jump targets symbolized.

/// One decoded instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub address: u64,
    pub bytes: Vec<u8>,
    /// Mnemonic and operands as WinDbg prints them, e.g. `call    demo!add (00000000`00401126)`.
    pub text: String,
    pub is_call: bool,
    pub is_ret: bool,
    /// The target of a direct branch or call.
    pub branch_target: Option<u64>,
}

impl Instruction {
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The instruction as one line of `u` output: `00000000`00401126 4883ec10        sub     rsp,10h`.
    pub fn line(&self) -> String {
        todo!("disasm helper")
    }
}

/// Decode up to `count` instructions from `bytes`, which sit at `address`. `symbolize` turns an address into
/// `module!symbol+0xoff` where it can. Stops early at bytes that do not decode into a whole instruction.
pub fn decode(bytes: &[u8], address: u64, count: usize, symbolize: &dyn Fn(u64) -> Option<String>) -> Vec<Instruction> {
    let _ = (bytes, address, count, symbolize);
    todo!("disasm helper")
}
