// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtGlobal>

namespace Tokengate::FlowControl {

// Both directions of a proxied exchange share these bounds, so memory per exchange stays
// at a few hundred KiB whatever the body size.
inline constexpr qint64 ReadChunk = 64 * 1024; // socket read buffer and largest single read
// Past this many unsent bytes the producing side stops reading; it resumes below LowWater.
inline constexpr qint64 SendHighWater = 512 * 1024;
inline constexpr qint64 SendLowWater = 128 * 1024;

} // namespace Tokengate::FlowControl
