// Verilog identifiers: module names come from netlist names (free text), so they are
// sanitized to a legal, non-reserved Verilog-2005 identifier, deterministically.

const RESERVED = new Set(`always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config
deassign default defparam design disable edge else end endcase endconfig endfunction endgenerate endmodule
endprimitive endspecify endtable endtask event for force forever fork function generate genvar highz0 highz1
if ifnone incdir include initial inout input instance integer join large liblist library localparam
macromodule medium module nand negedge nmos nor noshowcancelled not notif0 notif1 or output parameter pmos
posedge primitive pull0 pull1 pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg
release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled signed small specify specparam
strong0 strong1 supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg
unsigned use uwire vectored wait wand weak0 weak1 while wire wor xnor xor
bit byte logic int shortint longint class interface package program property sequence`.split(/\s+/));

/** A legal Verilog identifier from free text: [A-Za-z_][A-Za-z0-9_]*, not a keyword. */
export function verilogIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_');
  if (id === '' || id === '_') id = 'lgn';
  if (/^[0-9]/.test(id)) id = `m_${id}`;
  if (RESERVED.has(id)) id = `${id}_`;
  return id;
}

export function isVerilogIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) && !RESERVED.has(name);
}
