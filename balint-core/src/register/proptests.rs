//! Property tests for the register (filled below).
