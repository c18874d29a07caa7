//! Reading the WAV files engines write, including streamed ones whose length fields were never
//! filled in (espeak-ng `--stdout` writes 0x7ffff000-ish placeholders).

use crate::audio::Pcm;

/// Why a WAV could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavError {
    #[error("not a RIFF/WAVE file")]
    NotWave,
    #[error("no `fmt ` chunk before the audio data")]
    MissingFormat,
    #[error("no `data` chunk")]
    MissingData,
    #[error("unsupported sample format (format tag {tag}, {bits} bits)")]
    Unsupported { tag: u16, bits: u16 },
    #[error("malformed `fmt ` chunk")]
    BadFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Format {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    bits: u16,
}

const PCM: u16 = 1;
const FLOAT: u16 = 3;
const EXTENSIBLE: u16 = 0xFFFE;

/// Decodes an 8/16/24/32-bit integer or 32-bit float WAV, mono or multi-channel, to mono `Pcm`.
/// A data chunk whose declared size runs past the end of the bytes is read to the end.
pub fn parse(bytes: &[u8]) -> Result<Pcm, WavError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let mut format = None;
    let mut offset = 12;
    while let Some((id, body_start, size)) = chunk_at(bytes, offset) {
        let body_end = body_start.saturating_add(size).min(bytes.len());
        let body = &bytes[body_start..body_end];
        match id {
            b"fmt " => format = Some(parse_format(body)?),
            b"data" => return decode(format.ok_or(WavError::MissingFormat)?, body),
            _ => {}
        }
        // Chunks are padded to an even length.
        offset = body_start.saturating_add(size).saturating_add(size & 1);
    }
    Err(WavError::MissingData)
}

fn chunk_at(bytes: &[u8], offset: usize) -> Option<(&[u8], usize, usize)> {
    let header = bytes.get(offset..offset.checked_add(8)?)?;
    let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    Some((&header[0..4], offset + 8, size))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn parse_format(body: &[u8]) -> Result<Format, WavError> {
    let field = |v: Option<u16>| v.ok_or(WavError::BadFormat);
    let mut tag = field(u16_at(body, 0))?;
    let channels = field(u16_at(body, 2))?;
    let sample_rate = u32_at(body, 4).ok_or(WavError::BadFormat)?;
    let bits = field(u16_at(body, 14))?;
    if tag == EXTENSIBLE {
        // The real format tag is the first two bytes of the sub-format GUID.
        tag = field(u16_at(body, 24))?;
    }
    if channels == 0 || sample_rate == 0 {
        return Err(WavError::BadFormat);
    }
    Ok(Format { tag, channels, sample_rate, bits })
}

fn decode(format: Format, data: &[u8]) -> Result<Pcm, WavError> {
    let width = usize::from(format.bits / 8);
    let sample: fn(&[u8]) -> f32 = match (format.tag, format.bits) {
        (PCM, 8) => |b| (f32::from(b[0]) - 128.0) / 128.0,
        (PCM, 16) => |b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0,
        (PCM, 24) => |b| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0,
        (PCM, 32) => |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
        (FLOAT, 32) => |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        (tag, bits) => return Err(WavError::Unsupported { tag, bits }),
    };
    let channels = usize::from(format.channels);
    // A truncated last frame (a stream cut mid-sample) is dropped rather than misread.
    let samples = data
        .chunks_exact(width * channels)
        .map(|frame| frame.chunks_exact(width).map(sample).sum::<f32>() / channels as f32)
        .collect();
    Ok(Pcm::new(samples, format.sample_rate))
}

/// Writes mono 16-bit PCM WAV bytes; used by tests and the measuring script's helper.
pub fn encode_i16(pcm: &Pcm) -> Vec<u8> {
    let data_len = (pcm.samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + pcm.samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&PCM.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&pcm.sample_rate.to_le_bytes());
    out.extend_from_slice(&(pcm.sample_rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for &s in &pcm.samples {
        out.extend_from_slice(&crate::audio::to_i16(s).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(tag: u16, channels: u16, rate: u32, bits: u16, data_len: u32) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&data_len.wrapping_add(36).to_le_bytes());
        h.extend_from_slice(b"WAVEfmt ");
        h.extend_from_slice(&16u32.to_le_bytes());
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&channels.to_le_bytes());
        h.extend_from_slice(&rate.to_le_bytes());
        h.extend_from_slice(&(rate * u32::from(channels * bits / 8)).to_le_bytes());
        h.extend_from_slice(&(channels * bits / 8).to_le_bytes());
        h.extend_from_slice(&bits.to_le_bytes());
        h.extend_from_slice(b"data");
        h.extend_from_slice(&data_len.to_le_bytes());
        h
    }

    #[test]
    fn reads_16_bit_mono() {
        let mut bytes = header(PCM, 1, 22050, 16, 4);
        bytes.extend_from_slice(&16384i16.to_le_bytes());
        bytes.extend_from_slice(&(-32768i16).to_le_bytes());
        let pcm = parse(&bytes).unwrap();
        assert_eq!(pcm.sample_rate, 22050);
        assert_eq!(pcm.samples, vec![0.5, -1.0]);
    }

    #[test]
    fn placeholder_length_reads_to_end_of_stream() {
        // What espeak-ng --stdout writes: sizes it could not know when the header went out.
        let mut bytes = header(PCM, 1, 22050, 16, 0x7fff_f000);
        for _ in 0..1000 {
            bytes.extend_from_slice(&1000i16.to_le_bytes());
        }
        bytes.push(7); // half a sample, as a cut stream may end
        let pcm = parse(&bytes).unwrap();
        assert_eq!(pcm.samples.len(), 1000);
    }

    #[test]
    fn stereo_8_bit_is_mixed_to_mono() {
        let mut bytes = header(PCM, 2, 8000, 8, 4);
        bytes.extend_from_slice(&[255, 128, 0, 0]);
        let pcm = parse(&bytes).unwrap();
        assert_eq!(pcm.samples.len(), 2);
        assert!((pcm.samples[0] - 127.0 / 256.0).abs() < 1e-6);
        assert!((pcm.samples[1] + 1.0).abs() < 1e-6);
    }

    #[test]
    fn skips_unknown_chunks() {
        let mut bytes = header(PCM, 1, 16000, 16, 2);
        let data = bytes.split_off(36);
        bytes.extend_from_slice(b"LIST");
        bytes.extend_from_slice(&3u32.to_le_bytes());
        bytes.extend_from_slice(&[1, 2, 3, 0]); // odd size plus its pad byte
        bytes.extend_from_slice(&data);
        bytes.extend_from_slice(&0i16.to_le_bytes());
        assert_eq!(parse(&bytes).unwrap().samples, vec![0.0]);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert_eq!(parse(b"hello"), Err(WavError::NotWave));
        assert_eq!(parse(b"RIFF\0\0\0\0WAVE"), Err(WavError::MissingData));
        let mut bytes = header(PCM, 1, 16000, 12, 2);
        bytes.extend_from_slice(&[0, 0]);
        assert_eq!(parse(&bytes), Err(WavError::Unsupported { tag: 1, bits: 12 }));
        let truncated_fmt = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0";
        assert_eq!(parse(truncated_fmt), Err(WavError::BadFormat));
    }

    #[test]
    fn encode_round_trips() {
        let pcm = Pcm::new(vec![0.0, 0.5, -0.5], 16000);
        let back = parse(&encode_i16(&pcm)).unwrap();
        assert_eq!(back.sample_rate, 16000);
        assert!(back.samples.iter().zip(&pcm.samples).all(|(a, b)| (a - b).abs() < 1e-3));
    }
}
