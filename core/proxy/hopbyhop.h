// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace Tokengate {

class HeaderMap;

// Removes the fields that describe one connection rather than the message (RFC 9110
// section 7.6.1): Connection and every name it lists, Keep-Alive, TE, Trailer,
// Transfer-Encoding, Upgrade and Proxy-*. The receiving side re-frames the body itself.
void removeHopByHopFields(HeaderMap &headers);

} // namespace Tokengate
