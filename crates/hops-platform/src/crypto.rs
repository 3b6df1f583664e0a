//! Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA-256) for personal data.
//!
//! The master key lives in a key file created on first start, never in the database. Two
//! sub-keys are derived from it: one encrypts fields, the other computes blind indexes so a
//! field can be found by exact value without being stored in clear.

use std::io::Write;
use std::path::Path;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

const KEY_HEADER: &str = "hops-master-key-v1:";
const CIPHER_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("密钥文件 {0} 格式无效")]
    BadKeyFile(String),
    #[error("无法读写密钥文件 {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("密文无法解密（密钥不匹配或数据被篡改）")]
    Decrypt,
}

/// The keys of one installation.
#[derive(Clone)]
pub struct Keyring {
    cipher: Aes256Gcm,
    index_key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring([redacted])")
    }
}

fn derive(master: &[u8; 32], label: &str) -> Zeroizing<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(master).expect("any key length");
    mac.update(label.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

impl Keyring {
    pub fn from_master(master: &[u8; 32]) -> Keyring {
        let enc = derive(master, "hops/field-encryption/v1");
        let cipher = Aes256Gcm::new_from_slice(enc.as_slice()).expect("32-byte key");
        Keyring { cipher, index_key: derive(master, "hops/blind-index/v1") }
    }

    /// Reads the key file, creating it (mode 0600) with a fresh random key if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Keyring, CryptoError> {
        let io = |source| CryptoError::Io { path: path.display().to_string(), source };
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
                let mut b = std::fs::DirBuilder::new();
                b.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
                b.create(dir).map_err(io)?;
            }
            let mut master = Zeroizing::new([0u8; 32]);
            getrandom::fill(master.as_mut_slice()).expect("operating system randomness");
            let text = format!("{KEY_HEADER}{}\n", base64::engine::general_purpose::STANDARD.encode(master.as_slice()));
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(path).map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            return Ok(Keyring::from_master(&master));
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io)?);
        let b64 = text.trim().strip_prefix(KEY_HEADER).ok_or_else(|| CryptoError::BadKeyFile(path.display().to_string()))?;
        let raw = Zeroizing::new(
            base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| CryptoError::BadKeyFile(path.display().to_string()))?,
        );
        let master: [u8; 32] = raw.as_slice().try_into().map_err(|_| CryptoError::BadKeyFile(path.display().to_string()))?;
        Ok(Keyring::from_master(&master))
    }

    /// A digest identifying this key without revealing it (stored in the database to detect a
    /// server started with another installation's key file).
    pub fn fingerprint(&self) -> String {
        self.blind_index("hops/key-fingerprint", 0, "v1")
    }

    /// Encrypts `plain`; `context` (e.g. `"patients.id_number"`) is bound as associated data,
    /// so a ciphertext copied into another column does not decrypt.
    pub fn encrypt(&self, context: &str, plain: &str) -> Vec<u8> {
        self.encrypt_bytes(context, plain.as_bytes())
    }

    /// [`Keyring::encrypt`] for binary content (attachments).
    pub fn encrypt_bytes(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let nonce = aes_gcm::Nonce::generate();
        let ct = self
            .cipher
            .encrypt(&nonce, Payload { msg: plain, aad: context.as_bytes() })
            .expect("AES-GCM encryption within the size limit cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(CIPHER_VERSION);
        out.extend_from_slice(nonce.as_slice());
        out.extend_from_slice(&ct);
        out
    }

    pub fn decrypt(&self, context: &str, blob: &[u8]) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt_bytes(context, blob)?).map_err(|_| CryptoError::Decrypt)
    }

    /// [`Keyring::decrypt`] for binary content.
    pub fn decrypt_bytes(&self, context: &str, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if blob.len() < 1 + NONCE_LEN + 16 || blob[0] != CIPHER_VERSION {
            return Err(CryptoError::Decrypt);
        }
        let nonce = aes_gcm::Nonce::try_from(&blob[1..1 + NONCE_LEN]).map_err(|_| CryptoError::Decrypt)?;
        self.cipher.decrypt(&nonce, Payload { msg: &blob[1 + NONCE_LEN..], aad: context.as_bytes() }).map_err(|_| CryptoError::Decrypt)
    }

    /// A deterministic, keyed digest of a normalised value for exact-match lookup. Scoped by
    /// hospital, so the same person in two hospitals cannot be linked through the index.
    pub fn blind_index(&self, context: &str, hospital: i64, normalized: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.index_key.as_slice()).expect("any key length");
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(&hospital.to_be_bytes());
        mac.update(normalized.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// A personal number as stored: encrypted, blind-indexed (by hospital) and masked for display.
    pub fn seal(&self, context: &str, hospital: i64, normalized: &str, masked: String) -> Sealed {
        Sealed { enc: self.encrypt(context, normalized), bidx: self.blind_index(context, hospital, normalized), masked }
    }
}

/// A personal number as stored (see [`Keyring::seal`]): never kept in clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub enc: Vec<u8>,
    pub bidx: String,
    pub masked: String,
}

/// Random bytes as URL-safe text (session tokens, CSRF tokens).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("operating system randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a string, hex.
pub fn sha256_hex(s: &str) -> String {
    sha256_bytes_hex(s.as_bytes())
}

/// SHA-256 of bytes, hex.
pub fn sha256_bytes_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(Sha256::digest(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let k = Keyring::from_master(&[7; 32]);
        let blob = k.encrypt("patients.phone", "13812345678");
        assert!(!blob.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(k.decrypt("patients.phone", &blob).unwrap(), "13812345678");
        assert!(k.decrypt("patients.id_number", &blob).is_err());
        let other = Keyring::from_master(&[8; 32]);
        assert!(other.decrypt("patients.phone", &blob).is_err());
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(k.decrypt("patients.phone", &tampered).is_err());
        assert!(k.decrypt("patients.phone", &[1, 2, 3]).is_err());
    }

    #[test]
    fn nonces_differ_but_blind_index_is_stable() {
        let k = Keyring::from_master(&[7; 32]);
        assert_ne!(k.encrypt("c", "x"), k.encrypt("c", "x"));
        assert_eq!(k.blind_index("c", 1, "x"), k.blind_index("c", 1, "x"));
        assert_ne!(k.blind_index("c", 1, "x"), k.blind_index("c", 2, "x"));
        assert_ne!(k.blind_index("c", 1, "x"), k.blind_index("d", 1, "x"));
    }

    #[test]
    fn key_file_created_once_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("hops-key-{}-{}", std::process::id(), random_token(4)));
        let path = dir.join("hops.key");
        let a = Keyring::load_or_create(&path).unwrap();
        let blob = a.encrypt("c", "secret");
        let b = Keyring::load_or_create(&path).unwrap();
        assert_eq!(b.decrypt("c", &blob).unwrap(), "secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "garbage").unwrap();
        assert!(matches!(Keyring::load_or_create(&path), Err(CryptoError::BadKeyFile(_))));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
