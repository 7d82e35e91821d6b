#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| box_emulator::fuzzing::ranges(data));
