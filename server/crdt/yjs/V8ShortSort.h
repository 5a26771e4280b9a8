#pragma once

#include <algorithm>
#include <vector>

namespace canopy::yjs {

// What V8's Array.prototype.sort (TimSort, array-sort.tq) does with fewer than 64 elements: one
// run found by CountAndMakeRun, extended by BinaryInsertionSort. yjs's mergeUpdates sorts its
// readers with a comparator that is not consistent (an Item and a GC at the same ID each compare
// smaller than the other), so the order it ends with depends on these exact steps.
// `compare(a, b)` returns <0, 0 or >0 like a JavaScript comparator.
inline constexpr std::size_t V8ShortSortLimit = 64;

template <typename T, typename Compare> void v8ShortSort(std::vector<T> &a, Compare compare)
{
    const std::ptrdiff_t n = std::ptrdiff_t(a.size());
    if (n < 2)
        return;
    // CountAndMakeRun(0, n)
    std::ptrdiff_t run = 2;
    const bool descending = compare(a[1], a[0]) < 0;
    for (std::ptrdiff_t i = 2; i < n; ++i) {
        const auto order = compare(a[i], a[i - 1]);
        if (descending ? order >= 0 : order < 0)
            break;
        ++run;
    }
    if (descending)
        std::reverse(a.begin(), a.begin() + run);
    // BinaryInsertionSort(0, run, n)
    for (std::ptrdiff_t start = run; start < n; ++start) {
        std::ptrdiff_t left = 0;
        std::ptrdiff_t right = start;
        T pivot = a[start];
        while (left < right) {
            const std::ptrdiff_t mid = left + ((right - left) >> 1);
            if (compare(pivot, a[mid]) < 0)
                right = mid;
            else
                left = mid + 1;
        }
        for (std::ptrdiff_t p = start; p > left; --p)
            a[p] = a[p - 1];
        a[left] = pivot;
    }
}

} // namespace canopy::yjs
