# sweep_heatmap.gp, written by notebooks/sprig.ipynb; data in sweep_heatmap.dat.
set terminal pngcairo size 1200,520 enhanced font "Helvetica,11" background rgb "white"
set output "sweep_heatmap.png"
set termoption noenhanced
set xrange [-0.5:2.5]
set yrange [-0.5:3.5]
set xtics ("1e-4" 0, "1e-3" 1, "1e-2" 2)
set ytics ("0" 0, "0.3" 1, "0.7" 2, "1" 3)
set xlabel "lambda_c (attention-cost weight)"
set ylabel "alpha_coop (cooperation)"
set style textbox opaque fc rgb 'white' noborder
set palette defined (0 '#f7fbff', 1 '#6baed6', 2 '#08306b')
set multiplot layout 1,2 title "SPRIG on minatar_breakout: complete seeds per cell in brackets; blank: no complete seed"
set title "final-10% training return, IQM"
plot 'sweep_heatmap.dat' using 1:2:(0.5):(0.5):3 with boxxyerror fc palette fs solid 1.0 border lc rgb 'white' notitle, \
     '' using 1:2:(sprintf('%.2f (%d)', $3, $5)) with labels boxed font ',11' notitle

set palette defined (0 '#fff5eb', 1 '#fd8d3c', 2 '#7f2704')
set title "attention cost C, mean over the last 10% and seeds"
plot 'sweep_heatmap.dat' using 1:2:(0.5):(0.5):4 with boxxyerror fc palette fs solid 1.0 border lc rgb 'white' notitle, \
     '' using 1:2:(sprintf('%.3f (%d)', $4, $5)) with labels boxed font ',11' notitle

unset multiplot
