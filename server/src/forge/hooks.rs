//! civiforge's git hooks, in `<data-dir>/hooks/` and named by `core.hooksPath` for every push:
//! `pre-receive` refuses a push of more refs than `civiforge.maxRefsPerPush` (set for each
//! push from [`super::PushLimits`], [`DEFAULT_MAX_REFS_PER_PUSH`] without it), to a ref outside
//! branches and tags (`refs/civiforge/` is civiforge's own), the deletion of any ref and the
//! move of a published tag (git's `receive.denyDeletes` and `receive.denyNonFastForwards`
//! guard branches only). git receives the objects into a quarantine first: a refused push
//! writes nothing.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Most refs one push may create or move, unless configured otherwise.
pub const DEFAULT_MAX_REFS_PER_PUSH: usize = 1000;

/// The git configuration key the hook reads its limit from (git folds its case).
pub const MAX_REFS_KEY: &str = "civiforge.maxRefsPerPush";

fn pre_receive() -> String {
    format!(
        r#"#!/bin/sh
# civiforge: at most civiforge.maxRefsPerPush refs per push, branches and tags only; what
# was published stays (no deletion, no tag moved).
limit=$(git config --get {MAX_REFS_KEY} || echo {DEFAULT_MAX_REFS_PER_PUSH})
count=0
while read old new ref; do
  count=$((count + 1))
  case "$ref" in
    refs/heads/*|refs/tags/*) ;;
    *) echo "civiforge : seules les branches et les étiquettes sont acceptées, pas $ref" >&2; exit 1 ;;
  esac
  case "$new" in
    *[!0]*) ;;
    *) echo "civiforge : ce qui est publié reste, $ref ne peut pas être supprimée" >&2; exit 1 ;;
  esac
  case "$ref" in
    refs/tags/*)
      case "$old" in
        *[!0]*) echo "civiforge : l'étiquette $ref est déjà publiée, elle ne peut pas changer" >&2; exit 1 ;;
      esac ;;
  esac
done
if [ "$count" -gt "$limit" ]; then
  echo "civiforge : au plus $limit références par envoi ($count reçues)" >&2
  exit 1
fi
"#
    )
}

/// Writes the hooks into `folder` unless they are there as written; answers the folder.
pub fn ensure(folder: &Path) -> io::Result<PathBuf> {
    let hook = folder.join("pre-receive");
    let wanted = pre_receive();
    if std::fs::read_to_string(&hook).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(folder.to_path_buf());
    }
    crate::private_files::create_dir(folder)?;
    // Written beside it and renamed: a push running meanwhile sees the old hook or the new.
    let temporary = folder.join(format!(".pre-receive-{}", std::process::id()));
    std::fs::write(&temporary, wanted)?;
    std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o700))?;
    std::fs::rename(&temporary, &hook)?;
    Ok(folder.to_path_buf())
}
