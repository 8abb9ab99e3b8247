//! Integration tests of anomseq-viz, compiled as one binary: column reading and
//! window text, escaping (with properties), the pages' static guarantees, the
//! report, the SVG, and the pages in headless Chromium (skipped, loudly, when
//! no Chromium is installed).

mod browser;
mod columns;
mod common;
mod escaping;
mod pages;
mod scored;
