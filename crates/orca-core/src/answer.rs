//! The answer sentence: the human summary at the top of every report, composed from sections.
