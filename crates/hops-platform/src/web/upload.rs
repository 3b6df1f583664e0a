//! File uploads (multipart forms), read one way: the caller's permission first, then the form.
//! Without the permission the answer is 403 and not a byte of the body is read, so no one
//! without the right to import can make the server read a file, let alone parse one.

use axum::extract::Multipart;
use axum::extract::multipart::{MultipartError, MultipartRejection};

use crate::error::{Error, Result};
use crate::tabular::{self, Table};
use crate::{Access, Permission};

/// A submitted upload form: its `file` field and its other (text) fields.
pub struct Upload {
    file: Option<(String, Vec<u8>)>,
    fields: Vec<(String, String)>,
}

/// Reads an upload form once `access` holds `permission` (the one the service doing the import
/// requires). The request's own problems (no permission, not a multipart body, over the size
/// limit) are the `Err`; the file's problems come from [`Upload::file`] and [`Upload::table`],
/// for pages to show next to the form.
pub async fn read(access: &Access, permission: Permission, mp: std::result::Result<Multipart, MultipartRejection>) -> Result<Upload> {
    access.require(permission)?;
    let mut mp = mp.map_err(|e| Error::bad_request("malformed_upload", format!("请以 multipart/form-data 上传文件：{e}")))?;
    let mut upload = Upload { file: None, fields: Vec::new() };
    while let Some(field) = mp.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            // The first file only; later ones are streamed past, not kept.
            if upload.file.is_none() {
                let file_name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                upload.file = Some((file_name, bytes.to_vec()));
            }
        } else {
            let value = field.text().await.map_err(unreadable)?;
            upload.fields.push((name, value));
        }
    }
    Ok(upload)
}

fn unreadable(e: MultipartError) -> Error {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::client(413, "payload_too_large", "上传的文件超过大小限制")
    } else {
        Error::bad_request("malformed_upload", format!("上传内容无效: {}", e.body_text()))
    }
}

impl Upload {
    /// A text field's value ("" when absent).
    pub fn field(&self, name: &str) -> &str {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// The uploaded file's name and bytes; a 422 on `file` when none was chosen or it is empty.
    pub fn into_file(self) -> Result<(String, Vec<u8>)> {
        match self.file {
            None => Err(Error::invalid_field("file", "请选择要上传的文件")),
            Some((_, bytes)) if bytes.is_empty() => Err(Error::invalid_field("file", "文件为空")),
            Some(file) => Ok(file),
        }
    }

    /// The uploaded file as a table ([`tabular::read`]: by its extension, bounded, off the async
    /// workers).
    pub async fn table(self) -> Result<Table> {
        let (name, bytes) = self.into_file()?;
        tabular::read(bytes, &name).await
    }
}
