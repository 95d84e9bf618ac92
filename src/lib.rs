//! # iotlabel
//!
//! Turns an IoT manufacturer's security-update declaration (the NTIA "elements of
//! updatability") into a compact signed payload, a QR code and NFC tag that any phone
//! opens, and print-ready packaging labels with a plain-language summary.
//!
//! The crate is a pipeline, one stage per module, each with one obvious entry point:
//!
//! ```text
//! declaration ─► payload (CBOR) ─► envelope (COSE_Sign1) ─► link / nfc ─► qr
//!                    summary ◄─ decoded payload                         │
//!                        └──────────► layout (one model) ─► render: PDF │ SVG │ PNG
//!                                               └─► sheet (imposition) ─► PDF
//! verify: link │ digits │ .cose │ image (scan) │ NDEF ─► envelope ─► keys ─► payload ─► summary
//! ```
//!
//! The command-line tool in `src/main.rs` only parses arguments; everything it does is a
//! library call that a Rust program can make the same way (see [`cli`]).

pub mod artwork;
pub mod cli;
pub mod declaration;
pub mod envelope;
pub mod fsutil;
pub mod keys;
pub mod layout;
pub mod link;
pub mod logo;
pub mod nfc;
pub mod payload;
pub mod photo;
pub mod profile;
pub mod qr;
pub mod record;
pub mod render;
pub mod scan;
pub mod sheet;
pub mod site;
pub mod source;
pub mod summary;
pub mod today;
pub mod untrusted;
pub mod verify;
