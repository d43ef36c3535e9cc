# ablation_cadence.gp, written by notebooks/stac_deep.ipynb; data in ablation_cadence.dat.
set terminal pngcairo size 620,520 enhanced font "Helvetica,11" background rgb "white"
set output "ablation_cadence.png"
set termoption noenhanced
set grid
set key top left font ",9"
set format x "%.1s%c"
set xlabel "environment steps"
set ylabel "greedy evaluation return (10 episodes)"
set multiplot layout 1,1 title "STAC ablation: cadence (solid) against the grid's setting (dashed)"
set title "hopper, DDPG, seed 0"
plot 'ablation_cadence.dat' index 0 using 1:2 with lines lw 2 dt 1 lc rgb '#1f77b4' title 'DDPG (cadence)', 'ablation_cadence.dat' index 1 using 1:2 with lines lw 2 dt 1 lc rgb '#d62728' title 'STDDPG-AL (cadence)', 'ablation_cadence.dat' index 2 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' title 'DDPG (catch_up)', 'ablation_cadence.dat' index 3 using 1:2 with lines lw 2 dt 2 lc rgb '#d62728' title 'STDDPG-AL (catch_up)'
unset multiplot
