# SPDX-License-Identifier: Apache-2.0
# %post of the tokengated RPM: the system user tokengated.service runs as.
getent passwd tokengate >/dev/null ||
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /sbin/nologin --comment "Tokengate gateway" tokengate || :
