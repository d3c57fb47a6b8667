#include "common/number_array.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vmx {
namespace {

bool IsNumberByte(char c) {
  return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

}  // namespace

NumberArrayScan ScanNumberArray(std::string_view inner) {
  NumberArrayScan scan;
  bool dot_open = false;  // a '.' since the last ','
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
  const __m128i dot_byte = _mm_set1_epi8('.'), comma_byte = _mm_set1_epi8(',');
  const __m128i e_lower = _mm_set1_epi8('e'), e_upper = _mm_set1_epi8('E');
  const __m128i plus = _mm_set1_epi8('+'), minus = _mm_set1_epi8('-');
  const __m128i one = _mm_set1_epi8(1);
  __m128i comma_sums = _mm_setzero_si128();  // two 64-bit counts of commas (no popcnt needed)
  for (; i + 16 <= inner.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(inner.data() + i));
    const __m128i d = _mm_sub_epi8(v, zero);
    const __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
    const __m128i dot = _mm_cmpeq_epi8(v, dot_byte);
    const __m128i comma = _mm_cmpeq_epi8(v, comma_byte);
    const __m128i other =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, e_lower), _mm_cmpeq_epi8(v, e_upper)),
                     _mm_or_si128(_mm_cmpeq_epi8(v, plus), _mm_cmpeq_epi8(v, minus)));
    const __m128i good = _mm_or_si128(_mm_or_si128(digit, dot), _mm_or_si128(comma, other));
    if (_mm_movemask_epi8(good) != 0xFFFF) return scan;
    const unsigned dots = static_cast<unsigned>(_mm_movemask_epi8(dot));
    const unsigned commas = static_cast<unsigned>(_mm_movemask_epi8(comma));
    comma_sums =
        _mm_add_epi64(comma_sums, _mm_sad_epu8(_mm_and_si128(comma, one), _mm_setzero_si128()));
    if (dots == 0) {  // timestamps: only commas
      dot_open = dot_open && commas == 0;
      continue;
    }
    for (unsigned marks = dots | commas; marks != 0; marks &= marks - 1) {
      const bool is_dot = (dots & marks & (0u - marks)) != 0;
      if (is_dot && dot_open) return scan;
      dot_open = is_dot;
    }
  }
  scan.commas =
      static_cast<uint64_t>(_mm_cvtsi128_si64(comma_sums)) +
      static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(comma_sums, comma_sums)));
#endif
  for (; i < inner.size(); ++i) {
    const char c = inner[i];
    if (c == ',') {
      ++scan.commas;
      dot_open = false;
    } else if (!IsNumberByte(c) || (c == '.' && dot_open)) {
      return scan;
    } else if (c == '.') {
      dot_open = true;
    }
  }
  scan.plain = true;
  return scan;
}

}  // namespace vmx
