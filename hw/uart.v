// UART receiver and transmitter for the lgnc board tops: 8 data bits, no parity, 1 stop bit
// (8N1), least significant bit first, idle line high. CLKS_PER_BIT = clock / baud
// (12 MHz / 115200 = 104, 0.16 % off, well inside a UART's tolerance).

// Receiver: `valid` is 1 for one cycle with the byte in `data` after a good stop bit.
module lgnc_uart_rx #(parameter CLKS_PER_BIT = 104) (
  input  wire       clk,
  input  wire       rx,
  output reg  [7:0] data = 8'd0,
  output reg        valid = 1'b0
);
  localparam TW = $clog2(CLKS_PER_BIT * 3 / 2 + 1);
  reg [1:0] sync = 2'b11;        // two flops: rx is asynchronous to clk
  reg [TW-1:0] timer = {TW{1'b0}};
  reg [3:0] nbit = 4'd0;         // data bits sampled so far
  reg busy = 1'b0;
  reg [7:0] shift = 8'd0;
  wire line = sync[1];

  always @(posedge clk) begin
    sync <= {sync[0], rx};
    valid <= 1'b0;
    if (!busy) begin
      if (!line) begin
        // Falling edge of the start bit: the middle of data bit 0 is 1.5 bits away.
        busy <= 1'b1;
        nbit <= 4'd0;
        timer <= CLKS_PER_BIT * 3 / 2 - 1;
      end
    end else if (timer != 0) begin
      timer <= timer - 1'b1;
    end else if (nbit != 4'd8) begin
      shift <= {line, shift[7:1]};
      nbit <= nbit + 1'b1;
      timer <= CLKS_PER_BIT - 1;
    end else begin
      // Middle of the stop bit: a 0 here is a framing error and the byte is dropped.
      busy <= 1'b0;
      if (line) begin
        data <= shift;
        valid <= 1'b1;
      end
    end
  end
endmodule

// Transmitter: `send` (while not busy) starts a frame of `data`; `busy` until the stop bit ends.
module lgnc_uart_tx #(parameter CLKS_PER_BIT = 104) (
  input  wire       clk,
  input  wire [7:0] data,
  input  wire       send,
  output reg        tx = 1'b1,
  output wire       busy
);
  localparam TW = $clog2(CLKS_PER_BIT + 1);
  reg [8:0] frame = 9'h1ff;      // bits still to send after the current one, stop bit on top
  reg [3:0] left = 4'd0;         // bit periods left in the frame
  reg [TW-1:0] timer = {TW{1'b0}};
  assign busy = left != 4'd0;

  always @(posedge clk) begin
    if (left == 4'd0) begin
      if (send) begin
        tx <= 1'b0;              // start bit
        frame <= {1'b1, data};
        left <= 4'd10;
        timer <= CLKS_PER_BIT - 1;
      end
    end else if (timer != 0) begin
      timer <= timer - 1'b1;
    end else begin
      left <= left - 1'b1;
      if (left != 4'd1) begin
        tx <= frame[0];
        frame <= {1'b1, frame[8:1]};
        timer <= CLKS_PER_BIT - 1;
      end
    end
  end
endmodule
