// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <iterator>
#include <string_view>

// Checks, run when compiling, for the tables that give the domain's words (reasons, cache
// outcomes, trace stages) their stable ids: one row per enumerator, in enum order, and no id
// missing or used twice.
namespace Tokengate::WordTable {

// Row i describes enumerator i; `key` gives a row's enumerator.
template<typename Table, typename Key> constexpr bool inEnumOrder(const Table &table, Key key) {
    for (std::size_t i = 0; i < std::size(table); ++i) {
        if (std::size_t(key(table[i])) != i)
            return false;
    }
    return true;
}

// From row `first` on (row 0 may be an id-less "none"), every id is non-empty and unique.
template<typename Table, typename Id>
constexpr bool idsAreDistinct(const Table &table, Id id, std::size_t first) {
    for (std::size_t i = first; i < std::size(table); ++i) {
        const char *mine = id(table[i]);
        if (!mine || !*mine)
            return false;
        for (std::size_t j = first; j < i; ++j) {
            if (std::string_view(mine) == std::string_view(id(table[j])))
                return false;
        }
    }
    return true;
}

} // namespace Tokengate::WordTable
