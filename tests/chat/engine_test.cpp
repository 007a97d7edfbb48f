// The chat-template engine on its own: expressions, filters, loops, macros, whitespace
// control, errors with their kinds and lines, and the budgets that keep hostile templates
// bounded. Expected strings are what Python's jinja2 gives (reference_test.cpp checks the
// engine against jinja2 itself).
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "chat/chat_template.hpp"

namespace {

using nlohmann::ordered_json;
using sluice::chat::ChatRenderOptions;
using sluice::chat::ChatTemplate;
using sluice::chat::TemplateError;
using sluice::chat::TemplateLimits;
using Kind = TemplateError::Kind;

std::string render(const std::string& source, const ordered_json& context = ordered_json::object(),
                   TemplateLimits limits = {}) {
  return ChatTemplate::parse(source, limits).render(context);
}

// The error rendering (or parsing) `source` throws.
TemplateError error_of(const std::string& source,
                       const ordered_json& context = ordered_json::object(),
                       TemplateLimits limits = {}) {
  try {
    render(source, context, limits);
  } catch (const TemplateError& e) {
    return e;
  }
  FAIL("no TemplateError for: " << source);
  throw std::logic_error("unreachable");
}

TemplateLimits small_limits() {
  TemplateLimits limits;
  limits.max_steps = 100'000;
  limits.max_depth = 32;
  limits.max_output_bytes = 64 * 1024;
  limits.max_data_depth = 64;
  return limits;
}

}  // namespace

TEST_CASE("expressions follow Python", "[chat]") {
  CHECK(render(
            "{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 10 / 4 }}") ==
        "7 3 -4 -2 1024 2.5");
  CHECK(render("{{ 1.0 }} {{ 1e16 }} {{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 1/3 }}") ==
        "1.0 1e+16 1e-05 0.30000000000000004 0.3333333333333333");
  CHECK(render("{{ true }} {{ false }} {{ none }} {{ True and None }}") == "True False None None");
  CHECK(render("{{ [1, 'a', none, true, 1.5] }} {{ (1,) }} {{ {'k': [1, {'n': none}]} }}") ==
        "[1, 'a', None, True, 1.5] (1,) {'k': [1, {'n': None}]}");
  CHECK(render("{{ \"it's\" }} {{ [\"it's\", 'say \"x\"'] }}") == "it's [\"it's\", 'say \"x\"']");
  CHECK(render("{{ 'a' ~ 1 ~ none }} {{ 'a' + 'b' }} {{ 'ab' * 2 }} {{ [1] + [2] }}") ==
        "a1None ab abab [1, 2]");
  CHECK(render("{{ 1 < 2 < 3 }} {{ 'b' in 'abc' }} {{ 3 not in [1, 2] }} {{ 1 == 1.0 }}") ==
        "True True True True");
  CHECK(render("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ not '' }} {{ 'a' if false else 'b' }}") ==
        "x y True b");
  CHECK(render("{{ 'abcdef'[1:3] }} {{ 'abc'[::-1] }} {{ [1, 2, 3][-1] }} {{ 'héllo'[1] }}") ==
        "bc cba 3 é");
}

TEST_CASE("undefined values behave like jinja2's Undefined", "[chat]") {
  CHECK(render("[{{ missing }}] {{ missing is defined }} {{ missing | default('d') }} {{ missing | "
               "length }}") == "[] False d 0");
  CHECK(render("{% for x in missing %}x{% else %}empty{% endfor %}") == "empty");
  CHECK(render("{{ d.nothing is defined }} {{ d['nothing'] is defined }}", {{"d", {{"a", 1}}}}) ==
        "False False");
  const auto e = error_of("\n{{ missing.attribute }}");
  CHECK(e.kind() == Kind::render);
  CHECK(e.line() == 2);
  CHECK(e.message().find("'missing' is undefined") != std::string::npos);
}

TEST_CASE("string and dict methods", "[chat]") {
  CHECK(render("{{ ' x '.strip() }}|{{ 'a,b'.split(',') }}|{{ 'ab'.startswith('a') }}|{{ "
               "'aXb'.replace('X', '') }}") == "x|['a', 'b']|True|ab");
  CHECK(render("{{ 'x</think>y'.split('</think>')[-1] }} {{ '\\n\\nz'.lstrip('\\n') }} {{ "
               "'A'.lower() }}") == "y z a");
  const ordered_json context = {{"d", {{"b", 1}, {"a", 2}}}};
  CHECK(render("{{ d.get('a') }} {{ d.get('z', 0) }} {{ d.keys() | list }} {{ d.items() | list }}",
               context) == "2 0 ['b', 'a'] [('b', 1), ('a', 2)]");
  CHECK(render("{% for k, v in d.items() %}{{ k }}={{ v }} {% endfor %}", context) == "b=1 a=2 ");
  CHECK(render("[{{ d.pop }}] {{ d.update is defined }}", context) == "[] False");
  CHECK(error_of("{{ d.pop('a') }}", context).message().find("unsafe") != std::string::npos);
}

TEST_CASE("filters", "[chat]") {
  CHECK(render("{{ '  hi ' | trim }}|{{ 'ab' | upper }}|{{ 'hello world' | title }}|{{ 'aXa' | "
               "replace('a', 'b') }}") == "hi|AB|Hello World|bXb");
  CHECK(render("{{ [3, 1, 2] | sort }} {{ [1, 2] | length }} {{ [1, 2] | first }} {{ [1, 2] | last "
               "}} {{ [1, 2] | join('-') }}") == "[1, 2, 3] 2 1 2 1-2");
  CHECK(render("{{ [1, 2, 3] | reverse | list }} {{ [1, 2, 2] | unique | list }} {{ [1, 2, 3] | "
               "sum }} {{ ['b', 'a'] | max }}") == "[3, 2, 1] [1, 2] 6 b");
  const ordered_json people = {
      {"p", ordered_json::array({{{"n", "a"}, {"r", "user"}}, {{"n", "b"}, {"r", "bot"}}})}};
  CHECK(render("{{ p | selectattr('r', 'equalto', 'user') | map(attribute='n') | list }} "
               "{{ p | rejectattr('r', 'equalto', 'user') | map(attribute='n') | join }}",
               people) == "['a'] b");
  CHECK(render("{{ {'b': 1, 'a': 2} | dictsort }} {{ {'a': 1} | items | list }}") ==
        "[('a', 2), ('b', 1)] [('a', 1)]");
  CHECK(render("{{ 2.5 | round }} {{ 2.567 | round(2) }} {{ '42' | int }} {{ 'x' | int(7) }} {{ "
               "'1.5' | float }}") == "2.0 2.57 42 7 1.5");
  CHECK(render("{{ 'a\\nb' | indent(2) }}|{{ 'abc' | center(7) }}|{{ 'x y z' | wordcount }}") ==
        "a\n  b|  abc  |3");
}

TEST_CASE("tojson matches Python's json.dumps", "[chat]") {
  const ordered_json context =
      ordered_json::parse(R"({"v": {"z": 1, "a": [1.5, "é\n", null, true, {}]}})");
  CHECK(render("{{ v | tojson }}", context) == R"({"z": 1, "a": [1.5, "é\n", null, true, {}]})");
  CHECK(
      render("{{ v | tojson(indent=2) }}", context) ==
      "{\n  \"z\": 1,\n  \"a\": [\n    1.5,\n    \"é\\n\",\n    null,\n    true,\n    {}\n  ]\n}");
  CHECK(render("{{ v | tojson(sort_keys=true, separators=(',', ':')) }}", context) ==
        R"({"a":[1.5,"é\n",null,true,{}],"z":1})");
  CHECK(render("{{ 'é😀' | tojson(ensure_ascii=true) }}") == R"("\u00e9\ud83d\ude00")");
}

TEST_CASE("for loops: loop variables, filters, else, break and continue", "[chat]") {
  CHECK(render("{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.first }}{{ loop.last }}"
               "[{{ loop.previtem }}|{{ loop.nextitem }}]{% endfor %}") ==
        "1TrueFalse[|b]2FalseFalse[a|c]3FalseTrue[b|]");
  CHECK(render("{% for x in range(6) if x is odd %}{{ x }}/{{ loop.length }} {% endfor %}") ==
        "1/3 3/3 5/3 ");
  CHECK(render("{% for x in [] %}x{% else %}none{% endfor %}") == "none");
  CHECK(render("{% for x in range(9) %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 4 %}{% "
               "break %}{% endif %}"
               "{{ x }}{% endfor %}") == "023");
  CHECK(render("{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }} {% endfor %}") == "3 7 ");
  CHECK(render("{% for x in 'héy' %}[{{ x }}]{% endfor %}") == "[h][é][y]");
  CHECK(render("{% for m in [[1, [2]]] recursive %}{{ m }}{% endfor %}") == "[1, [2]]");
}

TEST_CASE("scoping: loops isolate, if does not, namespaces carry state out", "[chat]") {
  CHECK(
      render(
          "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}") ==
      "12121");
  CHECK(render("{% if true %}{% set y = 5 %}{% endif %}{{ y }}") == "5");
  CHECK(render("{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% "
               "endfor %}{{ ns.n }}") == "6");
  CHECK(render("{% set a, b = 1, 2 %}{{ b }}{{ a }}") == "21");
  CHECK(render("{% set s %}x{{ 1 }}{% endset %}{{ s }}") == "x1");
  CHECK(render("{% with a = 3 %}{{ a }}{% endwith %}[{{ a }}]") == "3[]");
}

TEST_CASE("macros and call blocks", "[chat]") {
  CHECK(render("{% macro hi(name, greeting='Hello') %}{{ greeting }} {{ name }}{% endmacro %}"
               "{{ hi('A') }}, {{ hi('B', 'Yo') }}, {{ hi(greeting='Hey', name='C') }}") ==
        "Hello A, Yo B, Hey C");
  CHECK(render("{% macro f(n) %}{{ n }}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ "
               "f(3) }}") == "3210");
  CHECK(
      render("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}in{% endcall %}") ==
      "<in>");
  CHECK(render("{% macro v() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, k=2) }}") ==
        "(1,){'k': 2}");
  CHECK(error_of("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}").kind() == Kind::render);
}

TEST_CASE("whitespace control, trim_blocks and lstrip_blocks", "[chat]") {
  CHECK(render("a  {{- 'b' -}}  c") == "abc");
  CHECK(render("<\n  {% if true %}\n  x\n  {% endif %}\n>") == "<\n  x\n>");
  CHECK(render("  {%+ if true %}kept{% endif %}") == "  kept");
  CHECK(render("a {# comment #} b\n  {# own line #}\nc") == "a  b\nc");
  CHECK(render("{% raw %}{{ x }}{% endraw %}") == "{{ x }}");
  CHECK(render("one\r\ntwo\n") == "one\ntwo");
}

TEST_CASE("globals: range, dict, namespace, raise_exception, strftime_now", "[chat]") {
  CHECK(render("{{ range(3) | list }} {{ range(3) }} {{ dict(a=1) }} {{ namespace(a=1).a }}") ==
        "[0, 1, 2] range(0, 3) {'a': 1} 1");
  const auto tpl = ChatTemplate::parse("{{ strftime_now('%Y-%m-%d') }}");
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(tpl.render(ordered_json::object(), [] { return std::time_t{1721990096}; }) == "2024-07-26");
  const auto e = error_of("line one\n{{ raise_exception('No system role!') }}");
  CHECK(e.kind() == Kind::raised);
  CHECK(e.line() == 2);
  CHECK(e.message() == "No system role!");
  CHECK(std::string(e.what()) == "line 2: No system role!");
}

TEST_CASE("syntax errors and unsupported constructs name their line", "[chat]") {
  auto e = error_of("ok\n{% if true %}\nnever closed");
  CHECK(e.kind() == Kind::syntax);
  CHECK(e.line() == 3);
  e = error_of("a\nb\n{{ 1 + }}");
  CHECK(e.kind() == Kind::syntax);
  CHECK(e.line() == 3);
  e = error_of("\n{% frobnicate %}");
  CHECK(e.kind() == Kind::syntax);
  CHECK(e.line() == 2);
  e = error_of("{{ 'x' | nosuchfilter }}");
  CHECK(e.kind() == Kind::syntax);
  e = error_of("\n\n{% include 'other.jinja' %}");
  CHECK(e.kind() == Kind::unsupported);
  CHECK(e.line() == 3);
  e = error_of("{% extends 'base' %}");
  CHECK(e.kind() == Kind::unsupported);
  e = error_of("\n{{ x | safe }}");
  CHECK(e.kind() == Kind::unsupported);
  CHECK(e.line() == 2);
  e = error_of("{{ 2 ** 64 }}");
  CHECK(e.kind() == Kind::unsupported);
  e = error_of("{{ [1] | select('odd') }}");  // Python would print the generator's address
  CHECK(e.kind() == Kind::unsupported);
  e = error_of("{# never closed");
  CHECK(e.kind() == Kind::syntax);
  e = error_of("{% break %}");
  CHECK(e.kind() == Kind::syntax);
}

TEST_CASE("budgets: steps", "[chat][budget]") {
  // range() alone is capped by the sandbox's MAX_RANGE; nesting loops multiplies.
  auto e = error_of("{% for i in range(10**9) %}{% endfor %}");
  CHECK(e.kind() == Kind::budget);
  // Work on big strings is charged by size: 4 MB scanned per call exhausts the default
  // 5M steps within a hundred calls.
  e = error_of(
      "{% set s = 'x' * 4000000 %}{% for i in range(100000) %}{{ s.startswith('y') }}{% endfor %}");
  CHECK(e.kind() == Kind::budget);
  CHECK(e.message().find("max_steps") != std::string::npos);
  e = error_of("{% for i in range(100000) %}{{ range(100000) | length }}{% endfor %}",
               ordered_json::object(), small_limits());
  CHECK(e.kind() == Kind::budget);
  e = error_of("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
               ordered_json::object(), small_limits());
  CHECK(e.kind() == Kind::budget);
  e = error_of(
      "{% macro f(n) %}{% for i in range(10) %}{{ f(n) if n else '' }}{% endfor %}{% endmacro %}{{ "
      "f(1) }}",
      ordered_json::object(), small_limits());
  CHECK(e.kind() == Kind::budget);
}

TEST_CASE("budgets: work on big values is charged by size", "[chat][budget]") {
  const auto exhausts = [](const std::string& source) {
    return error_of(source, ordered_json::object(), small_limits()).kind() == Kind::budget;
  };
  CHECK(exhausts(
      "{% set s = 'x' * 60000 %}{% for i in range(100000) %}{{ s | length }}{% endfor %}"));
  CHECK(exhausts(
      "{% set s = 'x' * 60000 %}{% for i in range(100000) %}{{ s.endswith('y') }}{% endfor %}"));
  CHECK(
      exhausts("{% set s = 'x' * 60000 %}{% set d = {s: 1} %}{% for i in range(100000) %}{{ d[s] "
               "}}{% endfor %}"));
  CHECK(
      exhausts("{% set big = range(10000) | list %}{% for i in range(100000) %}{{ big == big }}{% "
               "endfor %}"));
  // Dicts index every kind of key, so building one from 50 000 pairs is linear.
  CHECK(render("{{ dict(range(100000) | batch(2)) | length }}") == "50000");
}

TEST_CASE("budgets: nesting depth", "[chat][budget]") {
  const std::string deep = std::string(5000, '(') + "1" + std::string(5000, ')');
  auto e = error_of("{{ " + deep + " }}");
  CHECK(e.kind() == Kind::budget);
  CHECK(e.line() == 1);
  e = error_of("{{ " + std::string(5000, '[') + std::string(5000, ']') + " }}");
  CHECK(e.kind() == Kind::budget);
  e = error_of("{{ " + std::string(5000, '-') + "1 }}");
  CHECK(e.kind() == Kind::budget);
  std::string blocks;
  for (int i = 0; i < 200; ++i) blocks += "{% if true %}";
  for (int i = 0; i < 200; ++i) blocks += "{% endif %}";
  CHECK(error_of(blocks).kind() == Kind::budget);
  std::string chain = "{{ x";
  for (int i = 0; i < 200; ++i) chain += ".a";
  CHECK(error_of(chain + " }}").kind() == Kind::budget);
  // Unbounded recursion stops at max_depth calls.
  e = error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}");
  CHECK(e.kind() == Kind::budget);
  // A value nested one level per iteration stops at max_data_depth.
  e = error_of(
      "{% set ns = namespace(v=[]) %}{% for i in range(100000) %}{% set ns.v = [ns.v] %}{% endfor "
      "%}");
  CHECK(e.kind() == Kind::budget);
  // A namespace that holds itself cannot be printed forever.
  e = error_of("{% set ns = namespace() %}{% set ns.self = ns %}{{ ns }}");
  CHECK(e.kind() == Kind::budget);
  // Long flat chains are not nesting.
  std::string sum = "{{ 0";
  for (int i = 0; i < 500; ++i) sum += " + 1";
  CHECK(render(sum + " }}") == "500");
}

TEST_CASE("budgets: output and string size", "[chat][budget]") {
  auto e = error_of("{{ 'x' * 10**9 }}");
  CHECK(e.kind() == Kind::budget);
  e = error_of("{% for i in range(100000) %}{{ 'abcdefghij' * 10 }}{% endfor %}");
  CHECK(e.kind() == Kind::budget);
  CHECK(e.message().find("max_output_bytes") != std::string::npos);
  e = error_of(
      "{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% "
      "endfor %}");
  CHECK(e.kind() == Kind::budget);
  e = error_of("{{ ([1] * 10**9) | length }}");
  CHECK(e.kind() == Kind::budget);
  e = error_of("{{ 'ab' | replace('', 'x' * 60000) }}", ordered_json::object(), small_limits());
  CHECK(e.kind() == Kind::budget);
  CHECK(error_of("{{ 'x' | center(10**18) }}").kind() == Kind::budget);
  // Repeating nothing many times is cheap and empty, as in Python.
  CHECK(render("[{{ '' * 10**9 }}]{{ ([] * 10**9) | length }}") == "[]0");
}

TEST_CASE("render_chat builds the Hugging Face context", "[chat]") {
  const auto tpl = ChatTemplate::parse(
      "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
      "{% if add_generation_prompt %}<assistant>{% endif %}{{ tools is defined }}{{ extra_flag "
      "}}{{ eos_token }}");
  const ordered_json messages = ordered_json::parse(R"([{"role": "user", "content": "hi"}])");
  ChatRenderOptions options;
  options.bos_token = "<s>";
  options.eos_token = "</s>";
  options.extra = {{"extra_flag", 7}};
  CHECK(render_chat(tpl, messages, options) == "<s><user>hi<assistant>False7</s>");
  options.add_generation_prompt = false;
  options.tools = ordered_json::array();
  CHECK(render_chat(tpl, messages, options) == "<s><user>hiTrue7</s>");
  const auto context = build_chat_context(messages, options);
  CHECK(
      context.dump() ==
      R"({"messages":[{"role":"user","content":"hi"}],"add_generation_prompt":false,"bos_token":"<s>","eos_token":"</s>","tools":[],"extra_flag":7})");
}

TEST_CASE("a sorted-key nlohmann::json context converts to ordered_json", "[chat]") {
  const nlohmann::json context = {{"b", 1}, {"a", 2}};
  CHECK(ChatTemplate::parse("{{ a }}{{ b }}").render(context) == "21");
}

TEST_CASE("a parsed template renders on many threads at once", "[chat]") {
  const auto tpl = ChatTemplate::parse(
      "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{{ m.content | "
      "upper }}"
      "{% endfor %}{{ ns.n }}{{ messages | tojson }}");
  const ordered_json context = {
      {"messages", ordered_json::parse(R"([{"content": "a"}, {"content": "b"}])")}};
  const std::string expected = tpl.render(context);
  std::vector<std::thread> threads;
  std::vector<int> matches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) matches[t] += tpl.render(context) == expected;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const int m : matches) CHECK(m == 200);
}

TEST_CASE("the context must be an object, and deep contexts are bounded", "[chat]") {
  const auto tpl = ChatTemplate::parse("{{ x }}");
  try {
    tpl.render(ordered_json::array());
    FAIL("no error");
  } catch (const TemplateError& e) {
    CHECK(e.kind() == Kind::render);
  }
  ordered_json deep = 1;
  for (int i = 0; i < 1000; ++i) deep = ordered_json::array({deep});
  try {
    tpl.render({{"x", deep}});
    FAIL("no error");
  } catch (const TemplateError& e) {
    CHECK(e.kind() == Kind::budget);
  }
}
