#pragma once

#include <utility>
#include <variant>

namespace canopy {

// A C++20 subset of std::expected: expected failures are values with a typed error.
template <typename E> struct Unexpected
{
    E error;
};

template <typename E> Unexpected<std::decay_t<E>> unexpected(E &&error)
{
    return {std::forward<E>(error)};
}

template <typename T, typename E> class [[nodiscard]] Expected
{
public:
    Expected(const T &value)
        : m_v(std::in_place_index<0>, value)
    {
    }
    Expected(T &&value)
        : m_v(std::in_place_index<0>, std::move(value))
    {
    }
    template <typename G>
    Expected(Unexpected<G> u)
        : m_v(std::in_place_index<1>, E(std::move(u.error)))
    {
    }

    bool has_value() const { return m_v.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T &value() & { return std::get<0>(m_v); }
    const T &value() const & { return std::get<0>(m_v); }
    T &&value() && { return std::get<0>(std::move(m_v)); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }

    const E &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, E> m_v;
};

// Expected<void, E>: success carries nothing.
template <typename E> class [[nodiscard]] Expected<void, E>
{
public:
    Expected() = default;
    template <typename G>
    Expected(Unexpected<G> u)
        : m_ok(false)
        , m_error(std::move(u.error))
    {
    }
    bool has_value() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const E &error() const { return m_error; }

private:
    bool m_ok = true;
    E m_error {};
};

} // namespace canopy
