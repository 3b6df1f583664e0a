//! Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA-256) for personal data.
//!
//! The master key lives in a key file created on first start, never in the database. Two
//! sub-keys are derived from it: one encrypts fields, the other computes blind indexes so a
//! field can be found by exact value without being stored in clear.
//!
//! A ciphertext is bound to where it is stored ([`Binding`]): hospital, table, row and column
//! are its associated data, so a ciphertext copied into another row, column or hospital does
//! not decrypt (security issue 12, finding 8). Layout: version byte, 12-byte nonce, ciphertext
//! with tag. Version 2 (written today) authenticates
//! `0x02 ‖ u16 len ‖ table ‖ u16 len ‖ column ‖ i64 hospital ‖ row`, the row being `0x01 ‖ i64
//! id` or `0x02 ‖ u32 len ‖ key` (big-endian). Version 1 (before) authenticated only a context
//! string such as `"patients.phone"`; it is read only by the re-encryption at upgrade
//! ([`crate::reencrypt`], [`Keyring::decrypt_legacy`]), never by the application.

use std::io::Write;
use std::path::Path;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

const KEY_HEADER: &str = "hops-master-key-v1:";
/// Ciphertexts bound to a context string only (before the upgrade).
pub const LEGACY_VERSION: u8 = 1;
/// Ciphertexts bound to hospital, table, row and column.
pub const CIPHER_VERSION: u8 = 2;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("密钥文件 {0} 格式无效")]
    BadKeyFile(String),
    #[error("无法读写密钥文件 {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("密文无法解密（密钥不匹配，或密文不属于这条记录：被复制或篡改）")]
    Decrypt,
    #[error("密文为升级前的旧格式（未绑定所在记录），尚未重新加密，拒绝解密")]
    Legacy,
}

/// A column that holds ciphertexts. Its ciphertexts are bound to the table and column (and to
/// hospital and row, see [`Binding`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub table: &'static str,
    /// The column as named in the schema (`phone_enc`), or a name inside it for values kept in
    /// a document (`payload.phone`).
    pub column: &'static str,
    /// What the value is (`"patients.phone"`): the namespace of its blind index, shared by the
    /// columns whose values are matched with each other, and the associated data of the
    /// column's version-1 ciphertexts.
    pub context: &'static str,
}

impl Field {
    pub const fn new(table: &'static str, column: &'static str, context: &'static str) -> Field {
        Field { table, column, context }
    }
}

/// The row a ciphertext is stored in: its id, or its key for rows keyed by text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKey<'a> {
    Id(i64),
    Key(&'a str),
}

impl From<i64> for RowKey<'_> {
    fn from(id: i64) -> Self {
        RowKey::Id(id)
    }
}

impl<'a> From<&'a str> for RowKey<'a> {
    fn from(key: &'a str) -> Self {
        RowKey::Key(key)
    }
}

impl<'a> From<&'a String> for RowKey<'a> {
    fn from(key: &'a String) -> Self {
        RowKey::Key(key)
    }
}

impl std::fmt::Display for RowKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowKey::Id(id) => write!(f, "{id}"),
            RowKey::Key(k) => f.write_str(k),
        }
    }
}

/// Where a ciphertext is stored: hospital, table and column ([`Field`]), row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding<'a> {
    pub field: Field,
    pub hospital: i64,
    pub row: RowKey<'a>,
}

impl<'a> Binding<'a> {
    pub fn new(field: Field, hospital: i64, row: impl Into<RowKey<'a>>) -> Binding<'a> {
        Binding { field, hospital, row: row.into() }
    }

    /// The associated data of a version-2 ciphertext stored here.
    fn aad(&self) -> Vec<u8> {
        fn short(out: &mut Vec<u8>, s: &str) {
            let len = u16::try_from(s.len()).expect("table and column names are short");
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        let mut out = Vec::with_capacity(64);
        out.push(CIPHER_VERSION);
        short(&mut out, self.field.table);
        short(&mut out, self.field.column);
        out.extend_from_slice(&self.hospital.to_be_bytes());
        match self.row {
            RowKey::Id(id) => {
                out.push(1);
                out.extend_from_slice(&id.to_be_bytes());
            }
            RowKey::Key(k) => {
                out.push(2);
                let len = u32::try_from(k.len()).expect("row keys are short");
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(k.as_bytes());
            }
        }
        out
    }
}

impl std::fmt::Display for Binding<'_> {
    /// Names the place (never the value): `patients.phone_enc hospital 1000 row 1042`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{} hospital {} row {}", self.field.table, self.field.column, self.hospital, self.row)
    }
}

/// The version byte of a ciphertext (`None` for something too short to be one).
pub fn cipher_version(blob: &[u8]) -> Option<u8> {
    (blob.len() >= 1 + NONCE_LEN + TAG_LEN).then(|| blob[0])
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

    fn seal_with(&self, version: u8, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let nonce = aes_gcm::Nonce::generate();
        let ct = self.cipher.encrypt(&nonce, Payload { msg: plain, aad }).expect("AES-GCM encryption within the size limit cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(version);
        out.extend_from_slice(nonce.as_slice());
        out.extend_from_slice(&ct);
        out
    }

    fn open_with(&self, aad: &[u8], blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce = aes_gcm::Nonce::try_from(&blob[1..1 + NONCE_LEN]).map_err(|_| CryptoError::Decrypt)?;
        self.cipher.decrypt(&nonce, Payload { msg: &blob[1 + NONCE_LEN..], aad }).map_err(|_| CryptoError::Decrypt)
    }

    /// Encrypts `plain` for the place `at`: it decrypts there and nowhere else.
    pub fn encrypt(&self, at: &Binding<'_>, plain: &str) -> Vec<u8> {
        self.encrypt_bytes(at, plain.as_bytes())
    }

    /// [`Keyring::encrypt`] for binary content (attachments).
    pub fn encrypt_bytes(&self, at: &Binding<'_>, plain: &[u8]) -> Vec<u8> {
        self.seal_with(CIPHER_VERSION, &at.aad(), plain)
    }

    /// Decrypts a ciphertext read from the place `at`. Fails for a ciphertext written for
    /// another place ([`CryptoError::Decrypt`]) and for one of version 1
    /// ([`CryptoError::Legacy`]), which binds no place.
    pub fn decrypt(&self, at: &Binding<'_>, blob: &[u8]) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt_bytes(at, blob)?).map_err(|_| CryptoError::Decrypt)
    }

    /// [`Keyring::decrypt`] for binary content.
    pub fn decrypt_bytes(&self, at: &Binding<'_>, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match cipher_version(blob) {
            Some(CIPHER_VERSION) => self.open_with(&at.aad(), blob),
            Some(LEGACY_VERSION) => Err(CryptoError::Legacy),
            _ => Err(CryptoError::Decrypt),
        }
    }

    /// Decrypts a version-1 ciphertext, bound to `context` only. For the re-encryption at
    /// upgrade ([`crate::reencrypt`]), which checks where the value sits before binding it
    /// there; the application never reads version 1.
    pub fn decrypt_legacy(&self, context: &str, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match cipher_version(blob) {
            Some(LEGACY_VERSION) => self.open_with(context.as_bytes(), blob),
            _ => Err(CryptoError::Decrypt),
        }
    }

    /// Writes a version-1 ciphertext as releases before the upgrade did: for tests of the
    /// re-encryption only.
    #[doc(hidden)]
    pub fn encrypt_legacy(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        self.seal_with(LEGACY_VERSION, context.as_bytes(), plain)
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

    /// A personal number as stored at `at`: encrypted for that place, blind-indexed (by the
    /// field's context and the hospital) and masked for display.
    pub fn seal(&self, at: &Binding<'_>, normalized: &str, masked: String) -> Sealed {
        Sealed { enc: self.encrypt(at, normalized), bidx: self.blind_index(at.field.context, at.hospital, normalized), masked }
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

    const PHONE: Field = Field::new("patients", "phone_enc", "patients.phone");
    const ID_NUMBER: Field = Field::new("patients", "id_number_enc", "patients.id_number");
    const EMPLOYEE_PHONE: Field = Field::new("checkup_employees", "phone_enc", "checkup_persons.phone");

    #[test]
    fn round_trip_and_binding() {
        let k = Keyring::from_master(&[7; 32]);
        let at = Binding::new(PHONE, 1000, 1042);
        let blob = k.encrypt(&at, "13812345678");
        assert_eq!(cipher_version(&blob), Some(CIPHER_VERSION));
        assert!(!blob.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(k.decrypt(&at, &blob).unwrap(), "13812345678");
        // Another column, row, hospital or table: refused.
        assert!(matches!(k.decrypt(&Binding::new(ID_NUMBER, 1000, 1042), &blob), Err(CryptoError::Decrypt)));
        assert!(matches!(k.decrypt(&Binding::new(PHONE, 1000, 1043), &blob), Err(CryptoError::Decrypt)));
        assert!(matches!(k.decrypt(&Binding::new(PHONE, 1001, 1042), &blob), Err(CryptoError::Decrypt)));
        assert!(matches!(k.decrypt(&Binding::new(PHONE, 1000, "1042"), &blob), Err(CryptoError::Decrypt)));
        let same_context_other_table = Field::new("checkup_persons", "phone_enc", "patients.phone");
        assert!(k.decrypt(&Binding::new(same_context_other_table, 1000, 1042), &blob).is_err());
        // Another key, a flipped bit, garbage: refused.
        let other = Keyring::from_master(&[8; 32]);
        assert!(other.decrypt(&at, &blob).is_err());
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(k.decrypt(&at, &tampered).is_err());
        assert!(k.decrypt(&at, &[1, 2, 3]).is_err());
        assert!(k.decrypt(&at, &[]).is_err());
    }

    #[test]
    fn text_keys_are_bound_unambiguously() {
        let k = Keyring::from_master(&[7; 32]);
        let session = Field::new("checkup_h5_sessions", "phone_enc", "checkup_persons.phone");
        let blob = k.encrypt(&Binding::new(session, 1000, "ab"), "13812345678");
        assert_eq!(k.decrypt(&Binding::new(session, 1000, "ab"), &blob).unwrap(), "13812345678");
        assert!(k.decrypt(&Binding::new(session, 1000, "abc"), &blob).is_err());
        assert!(k.decrypt(&Binding::new(session, 1000, "a"), &blob).is_err());
        // Length prefixes: moving a byte between table and column names changes the binding.
        let a = Field::new("ab", "c", "x");
        let b = Field::new("a", "bc", "x");
        let blob = k.encrypt(&Binding::new(a, 1, 1), "v");
        assert!(k.decrypt(&Binding::new(b, 1, 1), &blob).is_err());
    }

    #[test]
    fn legacy_ciphertexts_are_read_only_by_the_upgrade() {
        let k = Keyring::from_master(&[7; 32]);
        let at = Binding::new(PHONE, 1000, 1042);
        let v1 = k.encrypt_legacy("patients.phone", b"13812345678");
        assert_eq!(cipher_version(&v1), Some(LEGACY_VERSION));
        // The application refuses version 1 wherever it sits.
        assert!(matches!(k.decrypt(&at, &v1), Err(CryptoError::Legacy)));
        // The upgrade reads it with its context, and only with it.
        assert_eq!(k.decrypt_legacy("patients.phone", &v1).unwrap(), b"13812345678");
        assert!(k.decrypt_legacy("patients.id_number", &v1).is_err());
        // A version-2 ciphertext is no version-1 one, whatever its first byte says.
        let v2 = k.encrypt(&at, "13812345678");
        assert!(k.decrypt_legacy("patients.phone", &v2).is_err());
        let mut relabelled = v2.clone();
        relabelled[0] = LEGACY_VERSION;
        assert!(k.decrypt_legacy("patients.phone", &relabelled).is_err());
        let mut relabelled = v1.clone();
        relabelled[0] = CIPHER_VERSION;
        assert!(k.decrypt(&at, &relabelled).is_err());
    }

    #[test]
    fn seal_indexes_by_context_and_hospital() {
        let k = Keyring::from_master(&[7; 32]);
        let person = Field::new("checkup_persons", "phone_enc", "checkup_persons.phone");
        let a = k.seal(&Binding::new(person, 1000, 1), "13812345678", "138****5678".into());
        let b = k.seal(&Binding::new(EMPLOYEE_PHONE, 1000, 2), "13812345678", "138****5678".into());
        // Matched across tables through the shared context, never across hospitals.
        assert_eq!(a.bidx, b.bidx);
        assert_eq!(a.bidx, k.blind_index("checkup_persons.phone", 1000, "13812345678"));
        assert_ne!(a.bidx, k.seal(&Binding::new(person, 1001, 1), "13812345678", String::new()).bidx);
        assert!(k.decrypt(&Binding::new(EMPLOYEE_PHONE, 1000, 2), &a.enc).is_err());
        assert_eq!(k.decrypt(&Binding::new(EMPLOYEE_PHONE, 1000, 2), &b.enc).unwrap(), "13812345678");
    }

    #[test]
    fn nonces_differ_but_blind_index_is_stable() {
        let k = Keyring::from_master(&[7; 32]);
        let at = Binding::new(PHONE, 1, 1);
        assert_ne!(k.encrypt(&at, "x"), k.encrypt(&at, "x"));
        assert_eq!(k.blind_index("c", 1, "x"), k.blind_index("c", 1, "x"));
        assert_ne!(k.blind_index("c", 1, "x"), k.blind_index("c", 2, "x"));
        assert_ne!(k.blind_index("c", 1, "x"), k.blind_index("d", 1, "x"));
    }

    #[test]
    fn key_file_created_once_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("hops-key-{}-{}", std::process::id(), random_token(4)));
        let path = dir.join("hops.key");
        let a = Keyring::load_or_create(&path).unwrap();
        let at = Binding::new(PHONE, 1, 1);
        let blob = a.encrypt(&at, "secret");
        let b = Keyring::load_or_create(&path).unwrap();
        assert_eq!(b.decrypt(&at, &blob).unwrap(), "secret");
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
