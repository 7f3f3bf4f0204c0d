//! The files of an export: the CSV (deflated into the ZIP as it is written), the XLSX and
//! the JSON, each streamed to its own file in a work folder, and the ZIP's options.

use super::coding::{csv_line, fixed_cell, Cell, Column, Prepared};
use super::{Formats, XLSX_MAX_ROWS, ZIP_LEVEL};
use crate::export::error::Context;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

/// Bytes as lower-case hexadecimal, as SHA-256 sums are written.
pub use domain::hex;

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hex(&hash.finalize()))
}

/// The writers of one export, each streaming to its own file in a work folder.
pub(super) struct Writers {
    pub(super) csv: Option<ZipPipe>,
    pub(super) json: Option<(BufWriter<File>, bool)>,
    pub(super) xlsx: Option<Xlsx>,
    pub(super) names: Vec<String>,
}

pub(super) struct Xlsx {
    pub(super) workbook: rust_xlsxwriter::Workbook,
    pub(super) sheet: usize,
    pub(super) row: u32,
    pub(super) rows_per_sheet: u32,
    pub(super) header: Vec<String>,
}

impl Xlsx {
    pub(super) fn new(header: &[String], rows_per_sheet: u32) -> crate::export::error::Result<Xlsx> {
        let mut x = Xlsx {
            workbook: rust_xlsxwriter::Workbook::new(),
            sheet: 0,
            row: 0,
            rows_per_sheet: rows_per_sheet.clamp(1, XLSX_MAX_ROWS),
            header: header.to_vec(),
        };
        x.new_sheet(1)?;
        Ok(x)
    }

    pub(super) fn new_sheet(&mut self, n: usize) -> crate::export::error::Result<()> {
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(format!("responses{}", if n == 1 { String::new() } else { format!("_{n}") }))?;
        for (i, h) in self.header.iter().enumerate() {
            sheet.write_string(0, i as u16, h)?;
        }
        self.sheet = n - 1;
        self.row = 0;
        Ok(())
    }

    pub(super) fn write(&mut self, row: &[Cell]) -> crate::export::error::Result<()> {
        if self.row == self.rows_per_sheet {
            let next = self.sheet + 2;
            self.new_sheet(next)?;
        }
        self.row += 1;
        let (r, index) = (self.row, self.sheet);
        let sheet = self.workbook.worksheet_from_index(index)?;
        for (i, c) in row.iter().enumerate() {
            match c {
                Cell::Text(s) => {
                    sheet.write_string(r, i as u16, *s)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, i as u16, *n as f64)?;
                }
                Cell::Empty => {}
            }
        }
        Ok(())
    }
}

impl Writers {
    /// Opens the writers of `formats`; the CSV, if asked for, goes into `csv`.
    pub(super) fn open(
        dir: &Path,
        formats: Formats,
        header: &[String],
        rows_per_sheet: u32,
        csv: Option<ZipPipe>,
    ) -> crate::export::error::Result<Writers> {
        let mut names = Vec::new();
        let csv = match csv {
            Some(mut pipe) => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(header)?;
                pipe.write_all(&w.into_inner().map_err(|e| crate::export::error::Error::Broken(format!("{e}")))?)?;
                Some(pipe)
            }
            None => None,
        };
        let json = if formats.json {
            names.push("responses.json".to_string());
            let mut w = BufWriter::new(File::create(dir.join("responses.json"))?);
            w.write_all(b"[")?;
            Some((w, true))
        } else {
            None
        };
        let xlsx = if formats.xlsx {
            names.push("responses.xlsx".to_string());
            Some(Xlsx::new(header, rows_per_sheet)?)
        } else {
            None
        };
        Ok(Writers { csv, json, xlsx, names })
    }

    /// Writes one row: a published combination's columns, then the answer cells.
    pub(super) fn write(
        &mut self,
        header: &[String],
        fixed: &[Column],
        row: &Prepared,
        suspect: bool,
        answers: &[Option<i64>],
        line: &mut Vec<u8>,
    ) -> crate::export::error::Result<()> {
        if let Some(w) = &mut self.csv {
            csv_line(line, &row.csv_prefix[usize::from(suspect)], !fixed.is_empty(), answers);
            w.write_all(line)?;
        }
        if self.json.is_none() && self.xlsx.is_none() {
            return Ok(());
        }
        let cells: Vec<Cell> = fixed
            .iter()
            .map(|c| fixed_cell(&c.kind, &row.key, &row.period, suspect))
            .chain(answers.iter().map(|c| c.map_or(Cell::Empty, Cell::Int)))
            .collect();
        if let Some((w, first)) = &mut self.json {
            let object: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(&cells)
                .map(|(h, c)| {
                    let v = match c {
                        Cell::Text(s) => serde_json::Value::String(s.to_string()),
                        Cell::Int(n) => serde_json::Value::from(*n),
                        Cell::Empty => serde_json::Value::Null,
                    };
                    (h.clone(), v)
                })
                .collect();
            w.write_all(if *first { b"\n" } else { b",\n" })?;
            *first = false;
            serde_json::to_writer(&mut *w, &object)?;
        }
        if let Some(x) = &mut self.xlsx {
            x.write(&cells)?;
        }
        Ok(())
    }

    /// Completes the files: the names of those written to the work folder, and the CSV's
    /// pipe, to finish.
    pub(super) fn finish(
        self,
        dir: &Path,
        labels: &[(String, String, String)],
    ) -> crate::export::error::Result<(Vec<String>, Option<ZipPipe>)> {
        if let Some((mut w, _)) = self.json {
            w.write_all(b"\n]\n")?;
            w.flush()?;
        }
        if let Some(mut x) = self.xlsx {
            let sheet = x.workbook.add_worksheet_with_constant_memory()?;
            sheet.set_name("labels")?;
            for (i, h) in ["variable", "code", "label"].iter().enumerate() {
                sheet.write_string(0, i as u16, *h)?;
            }
            for (r, (var, code, label)) in labels.iter().enumerate() {
                let r = r as u32 + 1;
                sheet.write_string(r, 0, var)?;
                sheet.write_string(r, 1, code)?;
                sheet.write_string(r, 2, label)?;
            }
            x.workbook.save(dir.join("responses.xlsx"))?;
        }
        Ok((self.names, self.csv))
    }
}

pub(super) type Zip = zip::ZipWriter<BufWriter<File>>;

/// The CSV on its way into the ZIP: rows gather here and go in chunks to a thread that
/// deflates them into the ZIP's open entry and hashes them, while the rows are written.
pub(super) struct ZipPipe {
    pub(super) buf: Vec<u8>,
    pub(super) tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    pub(super) thread: Option<std::thread::JoinHandle<std::io::Result<(Zip, String)>>>,
}

impl ZipPipe {
    const CHUNK: usize = 256 * 1024;

    /// Takes `zip`, whose entry is open, until [`ZipPipe::finish`].
    pub(super) fn start(mut zip: Zip) -> std::io::Result<ZipPipe> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let thread = std::thread::Builder::new().name("digna-export-zip".into()).spawn(move || {
            let mut hash = Sha256::new();
            for chunk in rx {
                hash.update(&chunk);
                zip.write_all(&chunk)?;
            }
            Ok((zip, hex(&hash.finalize())))
        })?;
        Ok(ZipPipe { buf: Vec::with_capacity(Self::CHUNK), tx: Some(tx), thread: Some(thread) })
    }

    pub(super) fn send(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(Self::CHUNK));
        match &self.tx {
            Some(tx) if tx.send(chunk).is_ok() => Ok(()),
            // The thread stopped: finish() tells why.
            _ => Err(std::io::Error::other("the ZIP writer stopped")),
        }
    }

    /// The ZIP back, with the entry's SHA-256.
    pub(super) fn finish(mut self) -> crate::export::error::Result<(Zip, String)> {
        let sent = if self.buf.is_empty() { Ok(()) } else { self.send() };
        self.tx = None;
        let thread = self.thread.take().context("the ZIP writer is gone")?;
        let done =
            thread.join().map_err(|_| crate::export::error::Error::Broken("the ZIP writer panicked".into()))??;
        sent?;
        Ok(done)
    }
}

impl Write for ZipPipe {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= Self::CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(super) fn zip_options(name: &str) -> zip::write::SimpleFileOptions {
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(ZIP_LEVEL))
        .large_file(true);
    if name.ends_with(".xlsx") {
        deflated.compression_method(zip::CompressionMethod::Stored).compression_level(None)
    } else {
        deflated
    }
}
