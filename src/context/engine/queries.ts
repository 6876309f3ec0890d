import type { GrammarId } from './grammars.ts';

/**
 * Tree-sitter queries per grammar, in the conventions of tree-sitter's `tags.scm` files:
 * `@definition.KIND` on a definition with its `@name`, `@reference.KIND` on a use with its
 * `@name`, and `@import` on the module an import names. When several definition patterns match
 * one node, the first pattern wins (so a Go `type X struct` is a struct, not a plain type).
 */

const TS_COMMON = `
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.method
(variable_declarator name: (identifier) @name value: (_)) @definition.variable
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (member_expression property: (property_identifier) @name)) @reference.call
(new_expression constructor: (identifier) @name) @reference.class
(arguments (identifier) @name) @reference.value
(arguments (member_expression property: (property_identifier) @name)) @reference.value
(shorthand_property_identifier) @name @reference.value
(pair value: (identifier) @name) @reference.value
(import_specifier name: (identifier) @name) @reference.import
(import_clause (identifier) @name) @reference.import
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
(call_expression function: (identifier) @_require (#eq? @_require "require") arguments: (arguments (string (string_fragment) @import)))
(call_expression function: (import) arguments: (arguments (string (string_fragment) @import)))
`;

const TYPESCRIPT = `
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(abstract_method_signature name: (property_identifier) @name) @definition.method
${TS_COMMON}
(type_identifier) @name @reference.type
`;

const JSX_REFERENCES = `
(jsx_opening_element name: (identifier) @name) @reference.call
(jsx_self_closing_element name: (identifier) @name) @reference.call
`;

const JAVASCRIPT = `
(class_declaration name: (identifier) @name) @definition.class
${TS_COMMON}
${JSX_REFERENCES}
`;

const PYTHON = `
(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function
(module (expression_statement (assignment left: (identifier) @name)) @definition.variable)
(call function: (identifier) @name) @reference.call
(call function: (attribute attribute: (identifier) @name)) @reference.call
(argument_list (identifier) @name) @reference.value
(keyword_argument value: (identifier) @name) @reference.value
(decorator (identifier) @name) @reference.call
(type (identifier) @name) @reference.type
(class_definition superclasses: (argument_list (attribute attribute: (identifier) @name))) @reference.type
(import_from_statement name: (dotted_name (identifier) @name)) @reference.import
(import_from_statement name: (aliased_import name: (dotted_name (identifier) @name))) @reference.import
(import_from_statement module_name: (_) @import)
(import_statement name: (dotted_name) @import)
(import_statement name: (aliased_import name: (dotted_name) @import))
`;

const GO = `
(function_declaration name: (identifier) @name) @definition.function
(method_declaration name: (field_identifier) @name) @definition.method
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name) @definition.type
(method_elem name: (field_identifier) @name) @definition.method
(source_file (const_declaration (const_spec name: (identifier) @name)) @definition.constant)
(source_file (var_declaration (var_spec name: (identifier) @name)) @definition.variable)
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (selector_expression field: (field_identifier) @name)) @reference.call
(argument_list (identifier) @name) @reference.value
(argument_list (selector_expression field: (field_identifier) @name)) @reference.value
(composite_literal type: (type_identifier) @name) @reference.class
(composite_literal type: (qualified_type name: (type_identifier) @name)) @reference.class
(type_identifier) @name @reference.type
(import_spec path: (interpreted_string_literal) @import)
`;

const JAVA = `
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(annotation_type_declaration name: (identifier) @name) @definition.interface
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(method_invocation name: (identifier) @name) @reference.call
(method_reference (identifier) @name) @reference.value
(object_creation_expression type: (type_identifier) @name) @reference.class
(type_identifier) @name @reference.type
(import_declaration (scoped_identifier) @import)
`;

const RUST = `
(struct_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(union_item name: (type_identifier) @name) @definition.struct
(trait_item name: (type_identifier) @name) @definition.interface
(type_item name: (type_identifier) @name) @definition.type
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(mod_item name: (identifier) @name) @definition.module
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(macro_definition name: (identifier) @name) @definition.macro
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (scoped_identifier name: (identifier) @name)) @reference.call
(macro_invocation macro: (identifier) @name) @reference.call
(arguments (identifier) @name) @reference.value
(type_identifier) @name @reference.type
(use_declaration argument: (_) @import)
`;

const RUBY = `
(class name: [(constant) (scope_resolution)] @name) @definition.class
(module name: [(constant) (scope_resolution)] @name) @definition.module
(method name: (_) @name) @definition.function
(singleton_method name: (_) @name) @definition.function
(call method: (identifier) @_require (#match? @_require "^require(_relative)?$") arguments: (argument_list (string (string_content) @import)))
(call method: (identifier) @name) @reference.call
(call receiver: (constant) @name) @reference.class
(superclass (constant) @name) @reference.type
(argument_list (simple_symbol) @name) @reference.value
(body_statement (identifier) @name) @reference.call
`;

const PHP = `
(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.interface
(trait_declaration name: (name) @name) @definition.interface
(enum_declaration name: (name) @name) @definition.enum
(function_definition name: (name) @name) @definition.function
(method_declaration name: (name) @name) @definition.method
(function_call_expression function: (name) @name) @reference.call
(function_call_expression function: (qualified_name (name) @name)) @reference.call
(member_call_expression name: (name) @name) @reference.call
(scoped_call_expression name: (name) @name) @reference.call
(object_creation_expression (name) @name) @reference.class
(object_creation_expression (qualified_name (name) @name)) @reference.class
(named_type (name) @name) @reference.type
(base_clause (name) @name) @reference.type
(namespace_use_clause (qualified_name) @import)
`;

const C_SHARP = `
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(struct_declaration name: (identifier) @name) @definition.struct
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(property_declaration name: (identifier) @name) @definition.property
(invocation_expression function: (identifier) @name) @reference.call
(invocation_expression function: (member_access_expression name: (identifier) @name)) @reference.call
(object_creation_expression type: (identifier) @name) @reference.class
(base_list (identifier) @name) @reference.type
(using_directive (qualified_name) @import)
(using_directive (identifier) @import)
`;

export const TAG_QUERIES: Readonly<Record<GrammarId, string>> = {
  typescript: TYPESCRIPT,
  tsx: `${TYPESCRIPT}${JSX_REFERENCES}`,
  javascript: JAVASCRIPT,
  python: PYTHON,
  go: GO,
  java: JAVA,
  rust: RUST,
  ruby: RUBY,
  php: PHP,
  'c-sharp': C_SHARP,
};
