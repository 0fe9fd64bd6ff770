# SPDX-License-Identifier: Apache-2.0
# Copies the Qt DLLs, plugins and the MSVC runtime that the given executables need into
# -Destination, with Qt's windeployqt. Run by `cmake --install` / cpack on Windows (see
# installer/windows/windows.cmake); by hand:
#   powershell -File installer\windows\deploy.ps1 -Destination stage\bin `
#     -Binaries build\daemon\tokengated.exe,build\gui\tokengate.exe
# Untested here (no Windows machine).
param(
  [Parameter(Mandatory = $true)][string]$Destination,
  [Parameter(Mandatory = $true)][string[]]$Binaries
)
$ErrorActionPreference = 'Stop'

# windeployqt sits next to qmake/qtpaths of the Qt in use: PATH first, then QTDIR.
$tool = Get-Command windeployqt.exe -ErrorAction SilentlyContinue
if (-not $tool -and $env:QTDIR) {
  $tool = Get-Command (Join-Path $env:QTDIR 'bin\windeployqt.exe') -ErrorAction SilentlyContinue
}
if (-not $tool) {
  throw 'windeployqt.exe not found: put Qt''s bin directory on PATH or set QTDIR'
}

New-Item -ItemType Directory -Force -Path $Destination | Out-Null
# A comma-separated string from CMake arrives as one element.
$list = $Binaries | ForEach-Object { $_ -split ',' } | Where-Object { $_ }
foreach ($binary in $list) {
  & $tool.Source --release --compiler-runtime --no-translations --no-opengl-sw `
    --dir $Destination $binary
  if ($LASTEXITCODE -ne 0) { throw "windeployqt failed for $binary" }
}
