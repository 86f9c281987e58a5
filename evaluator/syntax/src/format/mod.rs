//! The canonical `cue fmt` layout. (Being written.)
