// Laurel's API reference: fetches the OpenAPI 3 document named by
// #api-reference[data-spec-url] and lists its operations and schemas.
// It builds every element with the DOM API and sets only textContent, so
// nothing in the document can inject markup, and it needs no inline script.
(function () {
  "use strict";

  var METHODS = ["get", "post", "put", "patch", "delete"];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function refName(ref) {
    return ref.split("/").pop();
  }

  function schemaAnchor(name) {
    return "schema-" + name.replace(/[^A-Za-z0-9_-]/g, "-");
  }

  // A short description of a schema's type: "string", "array of Learner"...
  function typeNode(schema) {
    if (!schema) return element("span", null, "any");
    if (schema.$ref) {
      var link = element("a", null, refName(schema.$ref));
      link.href = "#" + schemaAnchor(refName(schema.$ref));
      return link;
    }
    if (schema.type === "array") {
      var wrapper = element("span", null, "array of ");
      wrapper.appendChild(typeNode(schema.items));
      return wrapper;
    }
    var text = schema.type || "object";
    if (schema.format) text += " (" + schema.format + ")";
    if (schema.nullable) text += " or null";
    return element("span", null, text);
  }

  function constraints(schema) {
    var parts = [];
    if (!schema) return "";
    if (schema.minLength !== undefined) parts.push("at least " + schema.minLength + " characters");
    if (schema.maxLength !== undefined) parts.push("at most " + schema.maxLength + " characters");
    if (schema.minimum !== undefined) parts.push("minimum " + schema.minimum);
    if (schema.maximum !== undefined) parts.push("maximum " + schema.maximum);
    if (schema.minItems !== undefined) parts.push("at least " + schema.minItems + " items");
    if (schema.maxItems !== undefined) parts.push("at most " + schema.maxItems + " items");
    if (schema.pattern) parts.push("pattern " + schema.pattern);
    if (schema["enum"]) parts.push("one of " + schema["enum"].join(", "));
    if (schema["default"] !== undefined) parts.push("default " + JSON.stringify(schema["default"]));
    if (schema.readOnly) parts.push("read-only");
    if (schema.writeOnly) parts.push("write-only");
    return parts.join("; ");
  }

  // "Page number, from 1." and "minimum 1; maximum 200" as one sentence each.
  function notes(description, schema) {
    var parts = [];
    if (description) parts.push(/[.!?]$/.test(description) ? description : description + ".");
    var limits = constraints(schema);
    if (limits) parts.push(limits.charAt(0).toUpperCase() + limits.slice(1) + ".");
    return parts.join(" ");
  }

  function table(headings, rows) {
    var result = element("table", "list");
    var head = result.appendChild(element("thead")).appendChild(element("tr"));
    headings.forEach(function (heading) {
      var cell = head.appendChild(element("th", null, heading));
      cell.scope = "col";
    });
    var body = result.appendChild(element("tbody"));
    rows.forEach(function (cells) {
      var row = body.appendChild(element("tr"));
      cells.forEach(function (value) {
        var cell = row.appendChild(element("td"));
        if (value instanceof Node) cell.appendChild(value);
        else cell.textContent = value === undefined || value === null ? "" : String(value);
      });
    });
    return result;
  }

  function propertiesTable(schema) {
    var required = schema.required || [];
    var rows = Object.keys(schema.properties || {}).map(function (name) {
      var property = schema.properties[name];
      return [
        element("code", null, name),
        typeNode(property),
        required.indexOf(name) >= 0 ? "yes" : "no",
        notes(property.description, property),
      ];
    });
    if (!rows.length) return element("p", "empty", "No fields.");
    return table(["Field", "Type", "Required", "Notes"], rows);
  }

  function parametersSection(parameters) {
    var rows = parameters.map(function (parameter) {
      return [
        element("code", null, parameter.name),
        parameter["in"],
        typeNode(parameter.schema),
        parameter.required ? "yes" : "no",
        notes(parameter.description, parameter.schema),
      ];
    });
    return table(["Parameter", "In", "Type", "Required", "Notes"], rows);
  }

  function bodySchema(content) {
    var media = content && (content["application/json"] || content[Object.keys(content)[0]]);
    return media ? media.schema : null;
  }

  // A response given as {"$ref": "#/components/responses/NAME"}, looked up.
  function resolveResponse(spec, response) {
    if (!response.$ref) return response;
    var responses = (spec.components && spec.components.responses) || {};
    return responses[refName(response.$ref)] || { description: refName(response.$ref) };
  }

  function operationSection(spec, path, method, operation) {
    var section = element("section", "api-operation");
    var heading = section.appendChild(element("h3"));
    heading.appendChild(element("span", "api-method api-method-" + method, method.toUpperCase()));
    heading.appendChild(document.createTextNode(" "));
    heading.appendChild(element("code", null, path));
    if (operation.summary) section.appendChild(element("p", null, operation.summary));
    if (operation.description) section.appendChild(element("p", "hint", operation.description));
    if (operation.parameters && operation.parameters.length) {
      section.appendChild(element("h4", null, "Parameters"));
      section.appendChild(parametersSection(operation.parameters));
    }
    if (operation.requestBody) {
      var request = section.appendChild(element("h4", null, "Request body: "));
      request.appendChild(typeNode(bodySchema(operation.requestBody.content)));
    }
    section.appendChild(element("h4", null, "Responses"));
    var rows = Object.keys(operation.responses || {}).map(function (status) {
      var response = resolveResponse(spec, operation.responses[status]);
      var schema = response.content ? bodySchema(response.content) : null;
      var meaning = status === "default" ? "Any other error" : response.description;
      return [status, meaning, schema ? typeNode(schema) : "no body"];
    });
    section.appendChild(table(["Status", "Meaning", "Body"], rows));
    return section;
  }

  function operationsByTag(spec) {
    var groups = {};
    Object.keys(spec.paths || {}).forEach(function (path) {
      METHODS.forEach(function (method) {
        var operation = spec.paths[path][method];
        if (!operation) return;
        var tag = (operation.tags && operation.tags[0]) || "other";
        (groups[tag] = groups[tag] || []).push(operationSection(spec, path, method, operation));
      });
    });
    return groups;
  }

  function render(container, spec) {
    container.textContent = "";
    var groups = operationsByTag(spec);
    var descriptions = {};
    (spec.tags || []).forEach(function (tag) { descriptions[tag.name] = tag.description; });
    Object.keys(groups).sort().forEach(function (tag) {
      var section = container.appendChild(element("section", "panel"));
      section.appendChild(element("h2", null, tag.replace(/^api_/, "")));
      if (descriptions[tag]) section.appendChild(element("p", "hint", descriptions[tag]));
      groups[tag].forEach(function (operation) { section.appendChild(operation); });
    });
    var schemas = (spec.components && spec.components.schemas) || {};
    var schemaSection = container.appendChild(element("section", "panel"));
    schemaSection.appendChild(element("h2", null, "Schemas"));
    Object.keys(schemas).sort().forEach(function (name) {
      var heading = schemaSection.appendChild(element("h3", null, name));
      heading.id = schemaAnchor(name);
      schemaSection.appendChild(propertiesTable(schemas[name]));
    });
  }

  function start() {
    var container = document.getElementById("api-reference");
    if (!container) return;
    fetch(container.getAttribute("data-spec-url"), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (spec) { render(container, spec); })
      .catch(function (error) {
        container.textContent = "";
        container.appendChild(element("p", "error",
          "The OpenAPI document could not be loaded (" + error.message + "). Use the link above."));
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
