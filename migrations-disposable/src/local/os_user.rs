//! The unprivileged OS user that runs `initdb` and `postgres` when this process is root (both refuse
//! to run as root).

use std::ffi::{CStr, CString};
use std::path::Path;

use crate::settings::OS_USER_VAR;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OsUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// `None` when not root: everything runs as ourselves.
pub(crate) fn server_user(name: &str) -> Result<Option<OsUser>, String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    lookup(name).map(Some).ok_or_else(|| {
        format!(
            "this process runs as root, which initdb and postgres refuse, and the OS user {name:?} \
             ({OS_USER_VAR}) does not exist; create it (useradd --system --user-group {name}) or set \
             {OS_USER_VAR} to an existing unprivileged user"
        )
    })
}

fn lookup(name: &str) -> Option<OsUser> {
    let c_name = CString::new(name).ok()?;
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: passwd is plain data; getpwnam_r fills it with pointers into `buffer`, which outlives
    // every use below, and reports the buffer length it was given.
    unsafe {
        let mut entry: libc::passwd = std::mem::zeroed();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let status = libc::getpwnam_r(
            c_name.as_ptr(),
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut result,
        );
        if status != 0 || result.is_null() || entry.pw_uid == 0 {
            return None;
        }
        Some(OsUser {
            name: CStr::from_ptr(entry.pw_name).to_string_lossy().into_owned(),
            uid: entry.pw_uid,
            gid: entry.pw_gid,
        })
    }
}

/// Hands a path to the server user (no-op when not root).
pub(crate) fn give_to(user: Option<&OsUser>, path: &Path) -> std::io::Result<()> {
    match user {
        Some(user) => std::os::unix::fs::lchown(path, Some(user.uid), Some(user.gid)),
        None => Ok(()),
    }
}
