//! What the virtual display shows, read from Xvfb's framebuffer file (`Xvfb -fbdir`, an XWD
//! image the server draws into) and saved as PNG: the desktop tests' screenshots are the
//! pixels a receptionist would see, taken without asking the webview (WebKitWebDriver's own
//! screenshot waits for a compositing frame that a window drawn without GPU compositing may
//! not produce until something on the page changes).

use std::io::{self, BufWriter};
use std::path::Path;

/// An RGB image, 8 bits a channel, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("the display's framebuffer is not a readable XWD image: {what}"))
}

impl Frame {
    /// Decodes an XWD image of a TrueColor ZPixmap at 24 or 32 bits a pixel (what Xvfb
    /// writes for a 24-bit screen). The header is big-endian, as `xwd` and Xvfb write it.
    pub fn from_xwd(bytes: &[u8]) -> io::Result<Self> {
        let field = |i: usize| -> io::Result<u32> {
            let at = i * 4;
            let b = bytes.get(at..at + 4).ok_or_else(|| bad("short header"))?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        let (header_size, version, format) = (field(0)?, field(1)?, field(2)?);
        if version != 7 || format != 2 {
            return Err(bad("not version 7 ZPixmap"));
        }
        let (width, height, byte_order, bits) = (field(4)?, field(5)?, field(7)?, field(11)?);
        let (bytes_per_line, masks, ncolors) = (field(12)?, [field(14)?, field(15)?, field(16)?], field(19)?);
        let pixel_bytes = match bits {
            24 => 3,
            32 => 4,
            _ => return Err(bad("not 24 or 32 bits a pixel")),
        };
        if masks.contains(&0) || width == 0 || height == 0 || (bytes_per_line as usize) < width as usize * pixel_bytes {
            return Err(bad("odd geometry"));
        }
        // After the header (and window name), one 12-byte XWDColor per colormap entry.
        let start = header_size as usize + ncolors as usize * 12;
        let end = start + bytes_per_line as usize * height as usize;
        let pixels = bytes.get(start..end).ok_or_else(|| bad("fewer pixels than the header says"))?;
        let channel = |value: u32, mask: u32| ((value & mask) >> mask.trailing_zeros()) as u8;
        let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
        for row in pixels.chunks_exact(bytes_per_line as usize) {
            for px in row[..width as usize * pixel_bytes].chunks_exact(pixel_bytes) {
                let mut b = [0u8; 4];
                b[..pixel_bytes].copy_from_slice(px);
                let value = if byte_order == 0 {
                    u32::from_le_bytes(b)
                } else {
                    u32::from_be_bytes(b) >> (8 * (4 - pixel_bytes))
                };
                rgb.extend(masks.iter().map(|&m| channel(value, m)));
            }
        }
        Ok(Self { width, height, rgb })
    }

    /// The part of the image in the rectangle (clipped to the image).
    pub fn crop(&self, x: u32, y: u32, width: u32, height: u32) -> Self {
        let (x, y) = (x.min(self.width), y.min(self.height));
        let (width, height) = (width.min(self.width - x), height.min(self.height - y));
        let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
        for row in y..y + height {
            let from = (row as usize * self.width as usize + x as usize) * 3;
            rgb.extend_from_slice(&self.rgb[from..from + width as usize * 3]);
        }
        Self { width, height, rgb }
    }

    pub fn write_png(&self, path: &Path) -> io::Result<()> {
        let mut encoder = png::Encoder::new(BufWriter::new(std::fs::File::create(path)?), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(io::Error::other)?;
        writer.write_image_data(&self.rgb).map_err(io::Error::other)?;
        writer.finish().map_err(io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An XWD image as Xvfb writes one: big-endian header, a window name, a colormap, then
    /// little-endian 32-bit pixels with padding at the end of each row.
    fn xwd(width: u32, height: u32, pixels: &[u32], pad: u32) -> Vec<u8> {
        let name = b"Xvfb main window\0";
        let header_size = 100 + name.len() as u32;
        let bytes_per_line = width * 4 + pad;
        let mut fields = [0u32; 25];
        fields[0] = header_size;
        fields[1] = 7;
        fields[2] = 2;
        fields[3] = 24;
        fields[4] = width;
        fields[5] = height;
        fields[11] = 32;
        fields[12] = bytes_per_line;
        fields[14] = 0xff_0000;
        fields[15] = 0x00_ff00;
        fields[16] = 0x00_00ff;
        fields[19] = 2;
        let mut out: Vec<u8> = fields.iter().flat_map(|f| f.to_be_bytes()).collect();
        out.extend_from_slice(name);
        out.extend_from_slice(&[0xee; 24]);
        for row in pixels.chunks(width as usize) {
            for p in row {
                out.extend_from_slice(&p.to_le_bytes());
            }
            out.extend(std::iter::repeat_n(0xaa, pad as usize));
        }
        out
    }

    #[test]
    fn an_xvfb_framebuffer_reads_as_rgb_rows_and_crops() {
        let image = xwd(3, 2, &[0xff_0000, 0x00_ff00, 0x00_00ff, 0x12_3456, 0, 0xff_ffff], 4);
        let frame = Frame::from_xwd(&image).expect("decodes");
        assert_eq!((frame.width, frame.height), (3, 2));
        assert_eq!(&frame.rgb[..9], &[255, 0, 0, 0, 255, 0, 0, 0, 255]);
        assert_eq!(&frame.rgb[9..], &[0x12, 0x34, 0x56, 0, 0, 0, 255, 255, 255]);
        let corner = frame.crop(1, 1, 10, 10);
        assert_eq!((corner.width, corner.height, corner.rgb.as_slice()), (2, 1, &[0, 0, 0, 255, 255, 255][..]));
    }

    #[test]
    fn a_cut_or_foreign_file_is_refused_in_words() {
        let image = xwd(3, 2, &[0; 6], 0);
        let error = Frame::from_xwd(&image[..image.len() - 1]).expect_err("cut short");
        assert!(error.to_string().contains("fewer pixels"), "{error}");
        assert!(Frame::from_xwd(b"\x89PNG\r\n").is_err());
    }
}
