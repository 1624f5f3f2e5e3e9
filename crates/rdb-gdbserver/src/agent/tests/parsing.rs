//! What `parse` refuses and why, and the programs that parse but have no MASM (or cannot run).

use rdb_fuzzkit::expressions::{Context, MEMORY};

use super::support::{State, Thread, agree, register_name};
use crate::agent::Program;

fn refused(bytes: &[u8]) -> String {
    Program::parse(bytes).expect_err("refused").to_string()
}

#[test]
fn malformed_programs_are_refused_with_a_reason() {
    assert_eq!(refused(&[]), "agent expression: the agent expression is empty");
    assert_eq!(refused(&[0x31, 0x27]), "agent expression: unknown bytecode 0x31 at offset 0");
    assert_eq!(refused(&[0x22, 1, 0x00]), "agent expression: unknown bytecode 0x00 at offset 2");
    assert!(refused(&[0x24, 1, 2]).contains("cut short"), "const32 with two bytes");
    assert!(refused(&[0x22, 1]).contains("runs past its end"), "no end");
    assert!(refused(&[0x27]).contains("`end` at offset 0 needs 1 values"));
    assert!(refused(&[0x22, 1, 0x02, 0x27]).contains("`add` at offset 2 needs 2 values"));
    // const8 1; if_goto 4 (inside the if_goto's operand); end
    assert!(refused(&[0x22, 1, 0x20, 0, 4, 0x27]).contains("not the start of a bytecode"));
    // const8 1; goto 99
    assert!(refused(&[0x22, 1, 0x21, 0, 99, 0x27]).contains("not the start of a bytecode"));
    // const8 1; const8 1; if_goto 9; const8 2; (9:) end — reached with 1 value by the jump, 2 by falling through.
    let paths_disagree = [0x22, 1, 0x22, 1, 0x20, 0, 9, 0x22, 2, 0x27];
    assert!(refused(&paths_disagree).contains("different stack depths"), "{}", refused(&paths_disagree));
    let deep: Vec<u8> = std::iter::repeat_n([0x22, 1], 101).flatten().chain([0x27]).collect();
    assert!(refused(&deep).contains("past 100 values"));
    assert!(refused(&[0x22, 1, 0x16, 0, 0x27]).contains("`ext 0`"));
    assert!(refused(&[0x22, 1, 0x34, 0, 0, 9, b'x', 0x27]).contains("printf"));
    assert!(refused(&[0x22, 1, 0x32, 1, 0x27]).contains("`pick` at offset 2 needs 2 values"));
}

fn thread() -> Thread {
    let mut s = State::new(0x100);
    s.set_register(0, MEMORY);
    Thread(Context::new(&s.0))
}

#[test]
fn loops_run_until_the_step_limit_and_have_no_masm() {
    // (0:) const8 1; (2:) dup; (3:) if_goto 2; end — one value at 2 whichever way it is reached, forever.
    let program = Program::parse(&[0x22, 1, 0x28, 0x20, 0, 2, 0x27]).expect("a loop is a valid program");
    assert!(program.evaluate(&mut thread()).unwrap_err().to_string().contains("without reaching `end`"));
    assert_eq!(program.to_masm(&register_name), None);
}

#[test]
fn tracing_bytecodes_have_no_meaning_in_a_condition() {
    for bytes in [
        &[0x22, 1, 0x0d, 4, 0x27][..],
        &[0x2c, 0, 1, 0x27],
        &[0x22, 1, 0x2d, 0, 1, 0x27],
        &[0x22, 1, 0x2e, 0, 1, 0x27],
        &[0x22, 1, 0x01, 0x27],
        &[0x22, 1, 0x1c, 0x27],
        &[0x22, 1, 0x22, 2, 0x22, 3, 0x34, 0, 0, 1, 0, 0x27],
    ] {
        let program = Program::parse(bytes).unwrap_or_else(|e| panic!("{bytes:x?}: {e}"));
        assert!(program.evaluate(&mut thread()).unwrap_err().to_string().contains("no meaning"), "{bytes:x?}");
        assert_eq!(program.to_masm(&register_name), None, "{bytes:x?}");
    }
}

#[test]
fn failures_are_failures_on_both_sides() {
    let state = {
        let mut s = State::new(0x100);
        s.set_register(0, MEMORY);
        s.0
    };
    // const8 7; const8 0; div_unsigned; end
    let divide = Program::parse(&[0x22, 7, 0x22, 0, 0x06, 0x27]).unwrap();
    assert!(divide.evaluate(&mut thread()).unwrap_err().to_string().contains("division by zero"));
    assert_eq!(agree(&divide, &divide.to_masm(&register_name).unwrap(), &state), Err(()));
    // reg 0; ref8; pop; const8 1; end: the read that is thrown away still fails (at 0x1000_0000 here).
    let thrown = Program::parse(&[0x26, 0, 0, 0x22, 0x10, 0x09, 0x17, 0x29, 0x22, 1, 0x27]).unwrap();
    let masm = thrown.to_masm(&register_name).unwrap();
    assert_eq!(agree(&thrown, &masm, &state), Err(()), "{masm}");
    // An unknown register has no MASM name: no translation.
    let unknown = Program::parse(&[0x26, 0, 99, 0x27]).unwrap();
    assert_eq!(unknown.to_masm(&register_name), None);
    // A read on one side only, and none on every path: nothing to fall back on.
    // reg 1; if_goto 9; const8 0; end; (9:) reg 0; ref32; end
    let one_side = Program::parse(&[0x26, 0, 1, 0x20, 0, 9, 0x22, 0, 0x27, 0x26, 0, 0, 0x19, 0x27]);
    assert_eq!(one_side.expect("valid").to_masm(&register_name), None);
}
