//! Writing f32 arrays as a NumPy `.npz` archive, byte-for-byte reproducibly.
//!
//! Members are uncompressed (`ZIP_STORED`) `.npy` files with a fixed timestamp (1980-01-01), so
//! the same arrays always give the same bytes and `numpy.load(path)["w_rec"]` reads only that
//! member, straight from disk.

use std::io::{self, Cursor};

use npyz::zip::write::FileOptions;
use npyz::zip::{CompressionMethod, DateTime};
use npyz::WriterBuilder;

/// One array: its member name (without `.npy`), C-order shape and data.
pub struct NpzArray<'a> {
    pub name: &'a str,
    pub shape: Vec<u64>,
    pub data: &'a [f32],
}

/// The `.npz` bytes of `arrays`, in order.
pub fn npz_bytes(arrays: &[NpzArray<'_>]) -> io::Result<Vec<u8>> {
    let mut npz = npyz::npz::NpzWriter::new(Cursor::new(Vec::new()));
    let options = FileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .large_file(false);
    for a in arrays {
        let expected: u64 = a.shape.iter().product();
        if expected != a.data.len() as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "array `{}` has {} values but shape {:?}",
                    a.name,
                    a.data.len(),
                    a.shape
                ),
            ));
        }
        let mut w = npz
            .array::<f32>(a.name, options)?
            .default_dtype()
            .shape(&a.shape)
            .begin_nd()?;
        w.extend(a.data.iter().copied())?;
        w.finish()?;
    }
    let cursor = npz.zip_writer().finish().map_err(io::Error::other)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_is_reproducible() {
        let data: Vec<f32> = (0..24).map(|i| i as f32 * 0.5).collect();
        let arrays = [
            NpzArray {
                name: "w",
                shape: vec![2, 3, 4],
                data: &data,
            },
            NpzArray {
                name: "b",
                shape: vec![0],
                data: &[],
            },
        ];
        let bytes = npz_bytes(&arrays).unwrap();
        assert_eq!(bytes, npz_bytes(&arrays).unwrap());
        let mut archive = npyz::npz::NpzArchive::new(Cursor::new(bytes)).unwrap();
        let w = archive.by_name("w").unwrap().unwrap();
        assert_eq!(w.shape(), &[2, 3, 4]);
        assert_eq!(w.into_vec::<f32>().unwrap(), data);
        let bad = [NpzArray {
            name: "w",
            shape: vec![5],
            data: &data,
        }];
        assert!(npz_bytes(&bad).is_err());
    }
}
