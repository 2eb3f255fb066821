//! Reactions (공감/비공감): who may react to what, and how often.

pub mod service;
