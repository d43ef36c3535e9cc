# attention_step240.gp — written by stackelberg; data in attention_step240.dat.
# Render: gnuplot attention_step240.gp            (PNG)
#         gnuplot -e "fmt='svg'" attention_step240.gp   (SVG)
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
    set terminal svg size 990,900 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output "attention_step240.svg"
} else {
    set terminal pngcairo size 990,900 enhanced font "Helvetica,11" background rgb "white"
    set output "attention_step240.png"
}
datafile = "attention_step240.dat"
set encoding utf8
set multiplot layout 3,3 title "minatar/breakout: what the perception module attends to at step 240" noenhanced
set size ratio -1
set yrange [*:*] reverse
set autoscale xfix
set autoscale yfix
unset key
set tics font ",8"
set title "frame t−1 (colour: first active channel, 0 empty)" font ",10"
set palette defined (0 'white', 1 'black', 4 'orange')
set colorbox
plot datafile index 0 matrix with image

set title "attention received (t−1), 8×8 stem cells" font ",10"
set palette defined (0 'white', 1 'red')
plot datafile index 1 matrix with image
set title "cell gates (t−1)" font ",10"
set palette defined (0 'white', 1 'blue')
set cbrange [0:1]
plot datafile index 2 matrix with image
set cbrange [*:*]
set title "frame t−0 (colour: first active channel, 0 empty)" font ",10"
set palette defined (0 'white', 1 'black', 4 'orange')
set colorbox
plot datafile index 3 matrix with image

set title "attention received (t−0), 8×8 stem cells" font ",10"
set palette defined (0 'white', 1 'red')
plot datafile index 4 matrix with image
set title "cell gates (t−0)" font ",10"
set palette defined (0 'white', 1 'blue')
set cbrange [0:1]
plot datafile index 5 matrix with image
set cbrange [*:*]
set title "temporal attention (row: attending frame)" font ",10"
set palette defined (0 'white', 1 'purple')
set cbrange [0:1]
set xtics 1
set ytics 1
set xlabel "frame (0 = oldest)" font ",9"
set ylabel "frame" font ",9"
plot datafile index 6 matrix with image
unset multiplot

unset output
